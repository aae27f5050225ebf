"""The words that make a control look like an AI-training setting, in English, French, German, Spanish,
Italian, Dutch and Portuguese, and how a control's words are scored: training words in its own name
count most, in the text around it less; personalisation, ads and memory words put it below any
training control. Used to list candidates when a flow's control is gone; never to click anything."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

#: Phrases that name training a model on the person's data (stems where a language inflects).
TRAINING: dict[str, tuple[str, ...]] = {
    "en": ("train", "training", "improve the model", "model improvement", "improve our models", "help improve"),
    "fr": ("entraîn", "entrain", "améliorer le modèle", "amélioration du modèle", "aider à améliorer"),
    "de": ("trainier", "training", "modell verbessern", "modelle zu verbessern", "verbesserung der modelle"),
    "es": ("entrenar", "entrenamiento", "mejorar el modelo", "mejorar los modelos", "ayudar a mejorar"),
    "it": ("addestra", "migliorare il modello", "migliorare i modelli", "aiuta a migliorare"),
    "nl": ("trainen", "training", "model verbeteren", "modellen te verbeteren", "help verbeteren"),
    "pt": ("treinar", "treinamento", "treino", "melhorar o modelo", "melhorar os modelos", "ajudar a melhorar"),
}

#: Controls that keep the person's chats as activity, which is what trains the model (Google's "Keep
#: Activity", formerly "Gemini Apps Activity"): named like a place, not like training, so listed here.
ACTIVITY: dict[str, tuple[str, ...]] = {
    "en": ("keep activity", "apps activity"),
    "fr": ("conserver l'activité", "activité dans les applis", "activité dans les applications"),
    "de": ("aktivitäten speichern", "aktivität speichern", "apps-aktivitäten"),
    "es": ("conservar actividad", "conservar la actividad", "actividad en las aplicaciones"),
    "it": ("conserva attività", "conserva l'attività", "attività nelle app"),
    "nl": ("activiteit bewaren", "activiteit in apps"),
    "pt": ("manter atividade", "manter a atividade", "atividade nos apps"),
}

#: A button that is the switch itself, named by what it does ("Turn off" while the setting is on).
TURN_OFF: dict[str, tuple[str, ...]] = {
    "en": ("turn off", "switch off", "disable"),
    "fr": ("désactiver",),
    "de": ("deaktivieren", "ausschalten"),
    "es": ("desactivar",),
    "it": ("disattiva", "disattivare"),
    "nl": ("uitschakelen", "uitzetten"),
    "pt": ("desativar",),
}
TURN_ON: dict[str, tuple[str, ...]] = {
    "en": ("turn on", "switch on", "enable"),
    "fr": ("activer",),
    "de": ("aktivieren", "einschalten"),
    "es": ("activar",),
    "it": ("attiva", "attivare"),
    "nl": ("inschakelen", "aanzetten"),
    "pt": ("ativar",),
}

#: Phrases of a right to object (Meta's way out is a form, not a switch): they count as training words
#: for a form's send button when its heading also says AI.
OBJECTION: dict[str, tuple[str, ...]] = {
    "en": ("object to", "objection", "right to object"),
    "fr": ("vous opposer", "opposition", "droit d'opposition", "s'opposer"),
    "de": ("widerspruch", "widersprechen"),
    "es": ("oponerse", "oposición", "derecho de oposición"),
    "it": ("opporsi", "opposizione", "diritto di opposizione"),
    "nl": ("bezwaar",),
    "pt": ("opor-se", "oposição", "direito de oposição"),
}

#: Words that say AI or models: a control with these and a training word is a strong candidate.
AI: dict[str, tuple[str, ...]] = {
    "en": ("ai", "artificial intelligence", "generative", "model", "models", "machine learning", "grok", "gemini"),
    "fr": ("ia", "intelligence artificielle", "générative", "modèle", "modèles", "apprentissage automatique"),
    "de": ("ki", "künstliche intelligenz", "generative", "modell", "modelle", "maschinelles lernen"),
    "es": ("ia", "inteligencia artificial", "generativa", "modelo", "modelos", "aprendizaje automático"),
    "it": ("ia", "intelligenza artificiale", "generativa", "modello", "modelli", "apprendimento automatico"),
    "nl": ("ai", "kunstmatige intelligentie", "generatieve", "model", "modellen", "machine learning"),
    "pt": ("ia", "inteligência artificial", "generativa", "modelo", "modelos", "aprendizado de máquina"),
}

#: Data settings that are not training: ranked below any training control.
SECONDARY: dict[str, tuple[str, ...]] = {
    "en": ("personaliz", "personalis", "ads", "advertising", "memory", "location", "recommendation"),
    "fr": ("personnalis", "publicité", "annonces", "mémoire", "localisation", "recommandation"),
    "de": ("personalisier", "werbung", "anzeigen", "erinnerung", "gedächtnis", "standort", "empfehlung"),
    "es": ("personaliz", "anuncios", "publicidad", "memoria", "ubicación", "recomendaci"),
    "it": ("personalizz", "annunci", "pubblicità", "memoria", "posizione", "consigli"),
    "nl": ("personalis", "advertenties", "geheugen", "locatie", "aanbeveling"),
    "pt": ("personaliz", "anúncios", "publicidade", "memória", "localização", "recomenda"),
}

_WORD = re.compile(r"[\w'’-]+", re.UNICODE)


@dataclass(frozen=True)
class Score:
    confidence: float
    #: Which words matched, and where: "training (fr) in its name: entraîn".
    why: tuple[str, ...]
    language: str | None
    training: bool


def _plain(text: str) -> str:
    return " ".join(_WORD.findall(text.replace("\u2019", "'").lower()))


def _found(table: dict[str, tuple[str, ...]], text: str) -> list[tuple[str, str]]:
    """(language, phrase) for each phrase of `table` in `text`: a stem matches a word's start, a short
    word (ai, ia, ki) only a whole word."""
    plain = f" {_plain(text)} "
    hits = []
    for language, phrases in table.items():
        for phrase in phrases:
            whole = len(phrase) <= 3 or " " in phrase
            pattern = rf"\b{re.escape(phrase)}\b" if whole else rf"\b{re.escape(phrase)}"
            if re.search(pattern, plain):
                hits.append((language, phrase))
    return hits


Kind = Literal["toggle", "form", "action"]


def action_state(name: str) -> str | None:
    """The state a button named like an action ("Turn off", "Désactiver") shows: "on" for one that turns
    it off; None for a button named otherwise."""
    plain = _plain(name)
    for table, state in ((TURN_OFF, "on"), (TURN_ON, "off")):
        if any(plain == _plain(phrase) for phrases in table.values() for phrase in phrases):
            return state
    return None


def score(name: str, nearby: str, *, kind: Kind = "toggle") -> Score | None:
    """How much a control named `name`, with `nearby` text around it, looks like an AI-training setting;
    None when nothing about it does. `kind`: a toggle (switch, checkbox, radio, pressed button); a form's
    send button (`nearby` is its heading), where a right to object stands for the training words; or an
    action button ("Turn off"), a candidate only by what its heading and row say."""
    why: list[str] = []
    confidence = 0.0
    own_training = _found(TRAINING, name) + _found(ACTIVITY, name)
    near_training = _found(TRAINING, nearby) + _found(ACTIVITY, nearby)
    if kind == "form":
        near_training += _found(OBJECTION, nearby)
        if not (near_training and (_found(AI, nearby) or _found(AI, name))):
            return None  # a form's button is a candidate only under a heading that says both
    if kind == "action" and (action_state(name) is None or not near_training):
        return None
    ai = _found(AI, name) or _found(AI, nearby)
    secondary = _found(SECONDARY, name)
    if own_training:
        confidence = 0.7
        why.append(_say("training words in its name", own_training))
    elif near_training:
        confidence = 0.45
        why.append(_say("training words next to it", near_training))
    if ai and (own_training or near_training):
        confidence += 0.25
        why.append(_say("AI words", ai))
    if secondary:
        # Personalisation, ads or memory: a data setting, not the training one.
        confidence = min(confidence, 0.3) if confidence else 0.2
        why.append(_say("other data words in its name", secondary))
    if not why:
        return None
    language = _language(own_training + ai + secondary, near_training)
    return Score(
        round(min(confidence, 0.95), 2), tuple(why), language, bool(own_training or near_training) and not secondary
    )


def _language(own: list[tuple[str, str]], nearby: list[tuple[str, str]]) -> str | None:
    """The language whose words matched most: longer phrases weigh more (German "Trainieren" also holds the
    English "train"), and words in the control's own name twice those around it."""
    weight: dict[str, int] = {}
    for hits, factor in ((own, 2), (nearby, 1)):
        for language, phrase in hits:
            weight[language] = weight.get(language, 0) + factor * len(phrase)
    return max(weight, key=lambda language: weight[language]) if weight else None


def _say(what: str, hits: list[tuple[str, str]]) -> str:
    languages = sorted({language for language, _ in hits})
    phrases = sorted({phrase for _, phrase in hits})
    return f"{what} ({', '.join(languages)}): {', '.join(phrases)}"
