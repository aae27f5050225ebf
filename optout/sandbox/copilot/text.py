"""Visible texts of the Copilot replica, in English and French.

Documented (docs/platforms/copilot.md): the two switch labels "Model training on text" and "Model
training on voice", the path "Settings → Privacy" (Microsoft also writes "Settings > Account > Privacy
> Model training"). Everything else is a plausible choice [unverified]: the Microsoft sign-in pages'
texts ("Sign in", "Next", "Enter password", "Stay signed in?", "Your account or password is
incorrect."), the look-alike switches' names and every French text (no French wording is documented).
"""

from __future__ import annotations

from typing import Final

EN: Final[dict[str, str]] = {
    # copilot.microsoft.com, signed out [unverified]
    "app_title": "Microsoft Copilot: Your AI companion",
    "landing_heading": "Hi, how can I help you today?",
    "sign_in": "Sign in",
    "message": "Message Copilot",
    "loading": "Loading",
    # copilot.microsoft.com, signed in [unverified]
    "account": "Account",
    "settings": "Settings",
    "sign_out": "Sign out",
    "close": "Close",
    "tab_general": "General",
    "tab_privacy": "Privacy",
    "general_heading": "General",
    "theme": "Theme",
    "privacy_heading": "Privacy",
    # The two documented labels (docs/platforms/copilot.md); their descriptions are [unverified].
    "training_text": "Model training on text",
    "training_text_desc": "Allow Microsoft to use your conversations with Copilot to train its AI models.",
    "training_voice": "Model training on voice",
    "training_voice_desc": "Allow Microsoft to use your voice conversations with Copilot to train its AI models.",
    # Look-alikes next to them [unverified names].
    "memory": "Personalization and memory",
    "memory_desc": "Copilot remembers details from your conversations to personalize answers.",
    "ads": "Ad personalization",
    "ads_desc": "See ads that are personalized to you based on your activity.",
    "org_note": (
        "Model training settings aren't available for work or school accounts. "
        "Your organization manages how your data is used."
    ),
    "save_failed": "We couldn't save your changes. Try again.",
    "not_found_title": "Page not found",
    "not_found_heading": "This page isn't available",
    # login.live.com / login.microsoftonline.com [unverified]
    "ms_title": "Sign in to your Microsoft account",
    "ms_org_title": "Sign in to your account",
    "ms_heading": "Sign in",
    "ms_email_placeholder": "Email, phone, or Skype",
    "ms_email_label": "Enter your email, phone, or Skype.",
    "ms_no_account": "No account? Create one!",
    "ms_next": "Next",
    "ms_back": "Back",
    "ms_password_heading": "Enter password",
    "ms_password_placeholder": "Password",
    "ms_forgot": "Forgot password?",
    "ms_sign_in": "Sign in",
    "ms_unknown": "That Microsoft account doesn't exist. Enter a different account or get a new one.",
    "ms_wrong_password": "Your account or password is incorrect. If you don't remember your password, reset it now.",
    "ms_kmsi_heading": "Stay signed in?",
    "ms_kmsi_text": "Stay signed in so you don't have to sign in again next time.",
    "ms_kmsi_dont_show": "Don't show this again",
    "ms_yes": "Yes",
    "ms_no": "No",
}

FR: Final[dict[str, str]] = {
    "app_title": "Microsoft Copilot : votre compagnon IA",
    "landing_heading": "Bonjour, comment puis-je vous aider aujourd'hui ?",
    "sign_in": "Se connecter",
    "message": "Envoyer un message à Copilot",
    "loading": "Chargement",
    "account": "Compte",
    "settings": "Paramètres",
    "sign_out": "Se déconnecter",
    "close": "Fermer",
    "tab_general": "Général",
    "tab_privacy": "Confidentialité",
    "general_heading": "Général",
    "theme": "Thème",
    "privacy_heading": "Confidentialité",
    "training_text": "Entraînement du modèle sur le texte",
    "training_text_desc": (
        "Autoriser Microsoft à utiliser vos conversations avec Copilot pour entraîner ses modèles d'IA."
    ),
    "training_voice": "Entraînement du modèle sur la voix",
    "training_voice_desc": (
        "Autoriser Microsoft à utiliser vos conversations vocales avec Copilot pour entraîner ses modèles d'IA."
    ),
    "memory": "Personnalisation et mémoire",
    "memory_desc": "Copilot retient des détails de vos conversations pour personnaliser ses réponses.",
    "ads": "Personnalisation des publicités",
    "ads_desc": "Voir des publicités personnalisées en fonction de votre activité.",
    "org_note": (
        "Les paramètres d'entraînement du modèle ne sont pas disponibles pour les comptes professionnels ou "
        "scolaires. Votre organisation gère l'utilisation de vos données."
    ),
    "save_failed": "Impossible d'enregistrer vos modifications. Réessayez.",
    "not_found_title": "Page introuvable",
    "not_found_heading": "Cette page n'est pas disponible",
    "ms_title": "Connectez-vous à votre compte Microsoft",
    "ms_org_title": "Connectez-vous à votre compte",
    "ms_heading": "Se connecter",
    "ms_email_placeholder": "E-mail, téléphone ou Skype",
    "ms_email_label": "Entrez votre e-mail, téléphone ou Skype.",
    "ms_no_account": "Pas de compte ? Créez-en un !",
    "ms_next": "Suivant",
    "ms_back": "Retour",
    "ms_password_heading": "Entrez le mot de passe",
    "ms_password_placeholder": "Mot de passe",
    "ms_forgot": "Mot de passe oublié ?",
    "ms_sign_in": "Se connecter",
    "ms_unknown": "Ce compte Microsoft n'existe pas. Entrez un autre compte ou créez-en un.",
    "ms_wrong_password": (
        "Votre compte ou mot de passe est incorrect. Si vous ne vous souvenez pas de votre mot de passe, "
        "réinitialisez-le maintenant."
    ),
    "ms_kmsi_heading": "Rester connecté ?",
    "ms_kmsi_text": "Restez connecté pour ne pas avoir à vous reconnecter la prochaine fois.",
    "ms_kmsi_dont_show": "Ne plus afficher ce message",
    "ms_yes": "Oui",
    "ms_no": "Non",
}

TEXTS: Final[dict[str, dict[str, str]]] = {"en": EN, "fr": FR}


def texts(language: str) -> dict[str, str]:
    """The texts of one language (English for anything but French)."""
    return TEXTS.get(language, EN)


def language_of(header: str) -> str:
    """French if an Accept-Language header starts with fr, else English."""
    return "fr" if header.strip().lower().startswith("fr") else "en"
