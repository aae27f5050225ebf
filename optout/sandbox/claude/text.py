"""Visible texts of the Claude replica, in English and French.

Documented (docs/platforms/claude.md): "Help improve Claude" and its description line, the pane's
location-metadata toggle, "Export data" and "Shared chats" → "Manage" (English only). Everything else,
and every French text, is a plausible choice: [unverified].
"""

from __future__ import annotations

from typing import Final

EN: Final[dict[str, str]] = {
    "claude": "Claude",
    "loading": "Loading",
    # Landing and sign-in [unverified]
    "landing_title": "Claude",
    "landing_heading": "Meet Claude, your thinking partner",
    "landing_try": "Try Claude",
    "login_title": "Claude",
    "login_heading": "Log in to Claude",
    "continue_google": "Continue with Google",
    "or": "OR",
    "email_label": "Email",
    "email_placeholder": "Enter your personal or work email",
    "continue_email": "Continue with email",
    "code_heading": "Check your email",
    "code_text": "Enter the verification code we sent to {email}.",
    "code_label": "Verification code",
    "verify": "Verify Email Address",
    "err_unknown_email": "We couldn't find an account with that email address.",
    "err_code": "Invalid verification code. Please try again.",
    "err_expired": "This sign-in link has expired. Please request a new one.",
    "google_heading": "Sign in with Google",
    "google_text": "Google sign-in is not reproduced by this replica.",
    # App shell [unverified]
    "new_chat": "New chat",
    "user_menu": "Open user menu",
    "greeting": "How can I help you today?",
    "settings": "Settings",
    "log_out": "Log out",
    # Settings [unverified except the privacy pane's labels]
    "tab_general": "General",
    "tab_account": "Account",
    "tab_privacy": "Privacy",
    "tab_billing": "Billing",
    "tab_capabilities": "Capabilities",
    "tab_connectors": "Connectors",
    "tab_intro": "Nothing on this page is reproduced.",
    "privacy_heading": "Privacy",
    "privacy_intro": "Anthropic believes in transparent data practices. Learn how your information is protected.",
    "privacy_settings": "Privacy settings",
    # Documented (EN): docs/platforms/claude.md, the setting and §6.1.
    "export_label": "Export data",
    "export_button": "Export data",
    "shared_label": "Shared chats",
    "shared_button": "Manage",
    "location_label": "Location metadata",
    "location_description": (
        "Allow Claude to use coarse location metadata (city/region) to improve product experiences."
    ),
    "improve_label": "Help improve Claude",
    "improve_description": "Allow the use of your chats and coding sessions to train and improve Anthropic AI models.",
    "save_error": "We couldn't update your settings. Please try again.",
    # Redesign [unverified]
    "moved_label": "Model improvement",
    "moved_text": "Model improvement preferences now live in your data controls.",
    # Organisation (§6.3) [unverified wording]
    "org_note": "Your organization's data is not used to train our models. Your administrator manages this setting.",
    # The terms pop-up (§6.4) [unverified title and buttons]
    "terms_heading": "Updates to Consumer Terms and Policies",
    "terms_text": (
        "We're updating our Consumer Terms and Privacy Policy. You can choose whether your chats and coding "
        "sessions may be used to improve Claude."
    ),
    "terms_accept": "Accept",
    "terms_later": "Not now",
    "not_found_heading": "Page not found",
}

FR: Final[dict[str, str]] = {
    "claude": "Claude",
    "loading": "Chargement",
    "landing_title": "Claude",
    "landing_heading": "Découvrez Claude, votre partenaire de réflexion",
    "landing_try": "Essayer Claude",
    "login_title": "Claude",
    "login_heading": "Connectez-vous à Claude",
    "continue_google": "Continuer avec Google",
    "or": "OU",
    "email_label": "E-mail",
    "email_placeholder": "Saisissez votre e-mail personnel ou professionnel",
    "continue_email": "Continuer avec l'e-mail",
    "code_heading": "Consultez votre boîte de réception",
    "code_text": "Saisissez le code de vérification envoyé à {email}.",
    "code_label": "Code de vérification",
    "verify": "Vérifier l'adresse e-mail",
    "err_unknown_email": "Aucun compte n'est associé à cette adresse e-mail.",
    "err_code": "Code de vérification non valide. Veuillez réessayer.",
    "err_expired": "Ce lien de connexion a expiré. Veuillez en demander un nouveau.",
    "google_heading": "Se connecter avec Google",
    "google_text": "La connexion Google n'est pas reproduite ici.",
    "new_chat": "Nouvelle conversation",
    "user_menu": "Ouvrir le menu utilisateur",
    "greeting": "Comment puis-je vous aider aujourd'hui ?",
    "settings": "Paramètres",
    "log_out": "Se déconnecter",
    "tab_general": "Général",
    "tab_account": "Compte",
    "tab_privacy": "Confidentialité",
    "tab_billing": "Facturation",
    "tab_capabilities": "Fonctionnalités",
    "tab_connectors": "Connecteurs",
    "tab_intro": "Rien sur cette page n'est reproduit.",
    "privacy_heading": "Confidentialité",
    "privacy_intro": (
        "Anthropic croit en des pratiques transparentes. Découvrez comment vos informations sont protégées."
    ),
    "privacy_settings": "Paramètres de confidentialité",
    "export_label": "Exporter les données",
    "export_button": "Exporter les données",
    "shared_label": "Conversations partagées",
    "shared_button": "Gérer",
    "location_label": "Métadonnées de localisation",
    "location_description": (
        "Autoriser Claude à utiliser des métadonnées de localisation approximatives (ville/région) pour "
        "améliorer les produits."
    ),
    "improve_label": "Aider à améliorer Claude",
    "improve_description": (
        "Autoriser l'utilisation de vos conversations et sessions de code pour entraîner et améliorer les "
        "modèles d'IA d'Anthropic."
    ),
    "save_error": "Impossible de mettre à jour vos paramètres. Veuillez réessayer.",
    "moved_label": "Amélioration du modèle",
    "moved_text": "Les préférences d'amélioration du modèle se trouvent désormais dans vos contrôles des données.",
    "org_note": (
        "Les données de votre organisation ne sont pas utilisées pour entraîner nos modèles. Votre "
        "administrateur gère ce paramètre."
    ),
    "terms_heading": "Mises à jour des conditions et politiques pour les consommateurs",
    "terms_text": (
        "Nous mettons à jour nos conditions d'utilisation et notre politique de confidentialité. Vous pouvez "
        "choisir si vos conversations et sessions de code peuvent servir à améliorer Claude."
    ),
    "terms_accept": "Accepter",
    "terms_later": "Pas maintenant",
    "not_found_heading": "Page introuvable",
}

TEXTS: Final[dict[str, dict[str, str]]] = {"en": EN, "fr": FR}


def texts(language: str) -> dict[str, str]:
    """The texts of one language (English for anything but French)."""
    return TEXTS.get(language, EN)


def language_of(header: str) -> str:
    """French if an Accept-Language header starts with fr, else English."""
    return "fr" if header.strip().lower().startswith("fr") else "en"
