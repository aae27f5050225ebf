"""Visible texts of the Gemini replica, in English and French.

Documented (docs/platforms/gemini.md): "Keep Activity", "Gemini Apps Activity", "Turn off", "Turn off and
delete activity", "Improve Google services with your audio and Gemini Live recordings". Everything else,
the sign-in pages and every French text included, is Google's usual wording: [unverified].
"""

from __future__ import annotations

from typing import Final

EN: Final[dict[str, str]] = {
    "sign_in": "Sign in",
    "sign_in_intro": "to continue to My Activity",
    "identifier_label": "Email or phone",
    "next": "Next",
    "unknown_account": "Couldn't find your Google Account",
    "welcome": "Welcome",
    "password_label": "Enter your password",
    "wrong_password": "Wrong password. Try again or click Forgot password to reset it.",
    "two_step": "2-Step Verification",
    "two_step_text": "To help keep your account safe, Google wants to make sure it's really you trying to sign in",
    "rejected": "Couldn't sign you in",
    "rejected_text": "This browser or app may not be secure.",
    "account_button": "Google Account",
    "title": "Keep Activity",
    "title_old": "Gemini Apps Activity",
    "status_on": "On",
    "status_off": "Off",
    "turn_off": "Turn off",
    "turn_off_delete": "Turn off and delete activity",
    "turn_on": "Turn on",
    "loading": "Loading",
    "confirm_title": "Turn off Keep Activity?",
    "confirm_text": "Your future chats won't be saved to your activity or used to improve Google's AI models.",
    "delete_title": "Turn off and delete activity?",
    "delete": "Delete",
    "cancel": "Cancel",
    "audio": "Improve Google services with your audio and Gemini Live recordings",
    "managed": "Your administrator manages Keep Activity for your organization",
    "error": "Something went wrong. Try again.",
}

FR: Final[dict[str, str]] = {
    "sign_in": "Connexion",
    "sign_in_intro": "pour accéder à Mon activité",
    "identifier_label": "Adresse e-mail ou numéro de téléphone",
    "next": "Suivant",
    "unknown_account": "Impossible de trouver votre compte Google",
    "welcome": "Bienvenue",
    "password_label": "Saisissez votre mot de passe",
    "wrong_password": "Mot de passe incorrect. Réessayez ou cliquez sur « Mot de passe oublié ».",
    "two_step": "Validation en deux étapes",
    "two_step_text": "Pour protéger votre compte, Google doit confirmer qu'il s'agit bien de vous",
    "rejected": "Impossible de vous connecter",
    "rejected_text": "Ce navigateur ou cette application ne sont peut-être pas sécurisés.",
    "account_button": "Compte Google",
    "title": "Conserver l'activité",
    "title_old": "Activité dans les applis Gemini",
    "status_on": "Activé",
    "status_off": "Désactivé",
    "turn_off": "Désactiver",
    "turn_off_delete": "Désactiver et supprimer l'activité",
    "turn_on": "Activer",
    "loading": "Chargement",
    "confirm_title": "Désactiver Conserver l'activité ?",
    "confirm_text": "Vos prochaines discussions ne seront pas enregistrées ni utilisées pour améliorer l'IA de Google.",
    "delete_title": "Désactiver et supprimer l'activité ?",
    "delete": "Supprimer",
    "cancel": "Annuler",
    "audio": "Améliorer les services Google avec vos enregistrements audio et Gemini Live",
    "managed": "Votre administrateur gère Conserver l'activité pour votre organisation",
    "error": "Un problème est survenu. Réessayez.",
}


def texts(language: str) -> dict[str, str]:
    return FR if language == "fr" else EN


def language_of(accept_language: str) -> str:
    """French when the browser asks for it first, else English."""
    return "fr" if accept_language.strip().lower().startswith("fr") else "en"
