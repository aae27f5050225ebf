"""The Pattern Lab's words, English and French. The switch's name and the dialogs' buttons are what the
flow (flow.yaml) names; the patterns' own words are what the engine's lexicon looks for."""

from __future__ import annotations

EN: dict[str, str] = {
    "lab": "Pattern Lab",
    "landing_heading": "Pattern Lab",
    "landing_text": "A made-up platform that shows one deceptive-design pattern at a time.",
    "sign_in": "Sign in",
    "login_heading": "Sign in to Pattern Lab",
    "email_label": "E-mail",
    "password_label": "Password",
    "err_credentials": "Wrong e-mail or password.",
    "home_heading": "Home",
    "home_text": "Welcome back.",
    "settings": "Settings",
    "privacy": "Privacy",
    "sign_out": "Sign out",
    "settings_heading": "Settings",
    "privacy_heading": "Privacy",
    "data_link": "Data and personalisation",
    "data_heading": "Data and personalisation",
    "ai_link": "AI training",
    "ai_heading": "AI training",
    "switch": "Use my data to train AI",
    "switch_double_negative": "Do not exclude my data from AI training",
    "switch_help": "When on, what you write here may be used to train our AI models.",
    "save_failed": "Your change could not be saved.",
    "dialog_heading": "Turn off AI training?",
    "dialog_text": "Your data will no longer be used to train our AI models.",
    "turn_off": "Turn off",
    "cancel": "Cancel",
    "shame_keep": "Keep helping",
    "shame_off": "Turn off, I don't care about better answers",
    "threat_text": "If you turn this off, you will lose personalised suggestions and some features will stop working.",
    "threat_keep": "Keep it on",
    "asym_keep": "Keep AI training on",
    "nag_text": "You turned off AI training. Turn it back on for better answers?",
    "nag_button": "Turn back on",
    "caveat": "Turning this off does not affect training that has already taken place. "
    "Other models are covered by a separate form.",
    "not_found_heading": "This page isn't available",
    "not_found_text": "The link may be broken, or the page may have been removed.",
    "unknown_pattern": "No such pattern. The Pattern Lab shows:",
}

FR: dict[str, str] = {
    **EN,
    "landing_text": "Une plateforme inventée qui montre un procédé de conception trompeuse à la fois.",
    "sign_in": "Se connecter",
    "login_heading": "Connectez-vous au Pattern Lab",
    "email_label": "Adresse e-mail",
    "password_label": "Mot de passe",
    "err_credentials": "Adresse e-mail ou mot de passe incorrect.",
    "home_heading": "Accueil",
    "home_text": "Bon retour parmi nous.",
    "settings": "Paramètres",
    "privacy": "Confidentialité",
    "sign_out": "Se déconnecter",
    "settings_heading": "Paramètres",
    "privacy_heading": "Confidentialité",
    "data_link": "Données et personnalisation",
    "data_heading": "Données et personnalisation",
    "ai_link": "Entraînement de l'IA",
    "ai_heading": "Entraînement de l'IA",
    "switch": "Utiliser mes données pour entraîner l'IA",
    "switch_double_negative": "Ne pas exclure mes données de l'entraînement de l'IA",
    "switch_help": "Si cette option est activée, ce que vous écrivez ici peut servir à entraîner nos modèles d'IA.",
    "save_failed": "Votre modification n'a pas pu être enregistrée.",
    "dialog_heading": "Désactiver l'entraînement de l'IA ?",
    "dialog_text": "Vos données ne serviront plus à entraîner nos modèles d'IA.",
    "turn_off": "Désactiver",
    "cancel": "Annuler",
    "shame_keep": "Continuer à aider",
    "shame_off": "Désactiver, je me moque de meilleures réponses",
    "threat_text": "Si vous désactivez cette option, vous perdrez les suggestions personnalisées et certaines "
    "fonctionnalités cesseront de fonctionner.",
    "threat_keep": "Laisser activé",
    "asym_keep": "Laisser l'entraînement de l'IA activé",
    "nag_text": "Vous avez désactivé l'entraînement de l'IA. Le réactiver pour de meilleures réponses ?",
    "nag_button": "Réactiver",
    "caveat": "La désactivation n'a pas d'effet sur l'entraînement déjà effectué. "
    "Les autres modèles relèvent d'un formulaire distinct.",
    "not_found_heading": "Cette page n'est pas disponible",
    "not_found_text": "Le lien est peut-être rompu, ou la page a été supprimée.",
    "unknown_pattern": "Ce procédé n'existe pas. Le Pattern Lab montre :",
}


def texts(language: str) -> dict[str, str]:
    return FR if language == "fr" else EN


def language_of(accept_language: str) -> str:
    """French when the browser asks for French first, else English."""
    first = accept_language.split(",", 1)[0].strip().lower()
    return "fr" if first.startswith("fr") else "en"
