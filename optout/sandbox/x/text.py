"""Visible texts of the X replica, in English and French.

Documented texts (docs/platforms/x.md §4): the Grok page's heading and
sub-heading, its three English checkbox labels (current and 2024 wording), "Delete conversation
history" and its French wording, « Grok et collaborateurs tiers », the sign-in step markup, "Next",
"Log in", "Wrong password!", "Sorry, we could not find your account.", "Your account has been locked".
Everything else, and every French text not listed above, is a plausible choice: [unverified].
"""

from __future__ import annotations

from typing import Final

EN: Final[dict[str, str]] = {
    # Shell
    "x": "X",
    "loading": "Loading",
    "close": "Close",
    "back": "Back",
    "toast_generic": "Something went wrong. Try reloading.",
    # Landing (signed out) [unverified]
    "landing_title": "X. It’s what’s happening / X",
    "landing_heading": "Happening now",
    "landing_join": "Join today.",
    "landing_sign_in": "Sign in",
    "landing_have_account": "Already have an account?",
    "create_account": "Create account",
    # Sign-in flow
    "login_title": "Log in to X / X",
    "login_heading": "Sign in to X",
    "sign_in_apple": "Sign in with Apple",
    "or": "or",
    "identifier_label": "Phone, email, or username",
    "next": "Next",
    "forgot_password": "Forgot password?",
    "no_account": "Don't have an account?",
    "sign_up": "Sign up",
    "unusual_heading": "Enter your phone number or username",
    "unusual_text": (
        "There was unusual login activity on your account. To help keep your account safe, "
        "please enter your phone number or username to verify it’s you."
    ),
    "unusual_label": "Phone or username",
    "password_heading": "Enter your password",
    "username_label": "Username",
    "password_label": "Password",
    "reveal_password": "Reveal password",
    "log_in": "Log in",
    "code_heading": "Enter your verification code",
    "code_text": "Use your code generator app to generate a code and enter it below.",
    # [unverified] X's wording for a code sent by SMS (the reference confirms only the step's test ids).
    "code_text_sms": "We sent a code by text message to your phone number ending in 42. Enter it below.",
    "code_label": "Enter code",
    "arkose_heading": "Authenticate your account",
    "arkose_text": "Solve this puzzle to prove you’re a human and keep your account safe.",
    "arkose_frame_title": "Verification challenge",
    "arkose_start": "Start puzzle",
    "err_unknown_account": "Sorry, we could not find your account.",
    "err_wrong_password": "Wrong password!",
    "err_wrong_identifier": "Incorrect. Please try again.",
    "err_wrong_code": "Your code was incorrect. Please try again.",
    # Locked account (/account/access)
    "locked_title": "Your account has been locked / X",
    "locked_heading": "Your account has been locked",
    "locked_text": (
        "We’ve temporarily locked your account because we noticed unusual activity. "
        "To unlock it, you’ll need to complete a few steps."
    ),
    "locked_start": "Start",
    # Navigation (signed in)
    "nav_label": "Primary",
    "nav_home": "Home",
    "nav_explore": "Explore",
    "nav_notifications": "Notifications",
    "nav_messages": "Messages",
    "nav_grok": "Grok",
    "nav_profile": "Profile",
    "nav_more": "More",
    "more_settings": "Settings and privacy",
    "more_logout": "Log out",
    "logout_heading": "Log out of X?",
    "logout_text": "You can always log back in at any time.",
    "post": "Post",
    # Home
    "home_title": "Home / X",
    "home_heading": "Home",
    "for_you": "For you",
    "following": "Following",
    "whats_happening": "What is happening?!",
    "reply": "Reply",
    "repost": "Repost",
    "like": "Like",
    "post_1": "Shipped a tiny CLI today. Small tools, sharp edges, happy users.",
    "post_2": (
        "Reminder from our security team: a real sign-in page never asks for your password in a DM. "
        "If a page says your account has been locked, go to x.com yourself."
    ),
    "post_3": "Hot take: the best settings page is the one you never need to open.",
    # Settings shell
    "settings_title": "Settings / X",
    "settings_heading": "Settings",
    "search_settings": "Search Settings",
    "cat_account": "Your account",
    "cat_security_and_account_access": "Security and account access",
    "cat_privacy_and_safety": "Privacy and safety",
    "cat_notifications": "Notifications",
    "cat_accessibility_display_and_languages": "Accessibility, display, and languages",
    "cat_about": "Additional resources",
    "account_intro": (
        "See information about your account, download an archive of your data, or learn about your "
        "account deactivation options."
    ),
    "privacy_intro": "Manage what information you see and share on X.",
    "category_intro": "This part of the settings is not replicated in the sandbox.",
    "info_text": "This setting is shown for realism only; nothing here can be changed in the sandbox.",
    "sec_your_activity": "Your X activity",
    "sec_data_sharing": "Data sharing and personalization",
    "row_your_twitter_data/account": "Account information",
    "row_password": "Change your password",
    "row_download_your_data": "Download an archive of your data",
    "row_deactivate": "Deactivate your account",
    "row_audience_and_tagging": "Audience, media and tagging",
    "row_your_tweets": "Your posts",
    "row_content_you_see": "Content you see",
    "row_mute_and_block": "Mute and block",
    "row_direct_messages": "Direct Messages",
    "row_spaces": "Spaces",
    "row_contacts": "Discoverability and contacts",
    "row_ads_preferences": "Ads preferences",
    "row_inferred_identity": "Inferred identity",
    "row_data_sharing_with_business_partners": "Data sharing with business partners",
    "row_location": "Location information",
    "row_grok_settings": "Grok & Third-party Collaborators",
    # The Grok page
    "grok_title": "Grok & Third-party Collaborators / X",
    "grok_heading": "Grok & Third-party Collaborators",
    "grok_subheading": "Data Sharing",
    "grok_description": (
        "X may share with xAI your X public data as well as your user interactions, inputs and results "
        "with Grok on X to train and fine-tune Grok and other AI models developed by xAI."
    ),
    "learn_more": "Learn more",
    "grok_training": (
        "Allow your public data as well as your interactions, inputs, and results with Grok and xAI "
        "to be used for training and fine-tuning"
    ),
    "grok_training_2024": (
        "Allow your posts as well as your interactions, inputs, and results with Grok to be used "
        "for training and fine-tuning."
    ),
    "grok_personalization": "Allow X to personalize your experience with Grok",
    "grok_memory": "Allow Grok to remember your conversation history",
    "grok_delete": "Delete conversation history",
    "grok_delete_sheet_heading": "Delete all conversations?",
    "grok_delete_sheet_text": "This can’t be undone and your conversations with Grok will be removed from X.",
    "grok_delete_confirm": "Delete",
    "grok_delete_done": "Your conversation history was deleted.",
    "cancel": "Cancel",
    # Errors
    "not_found_title": "Page not found / X",
    "not_found_heading": "Hmm...this page doesn’t exist. Try searching for something else.",
    "search": "Search",
}

FR: Final[dict[str, str]] = {
    "x": "X",
    "loading": "Chargement",
    "close": "Fermer",
    "back": "Retour",
    "toast_generic": "Un problème est survenu. Essayez d'actualiser la page.",
    "landing_title": "X. Ça se passe maintenant / X",
    "landing_heading": "Ça se passe maintenant",
    "landing_join": "Inscrivez-vous.",
    "landing_sign_in": "Se connecter",
    "landing_have_account": "Vous avez déjà un compte ?",
    "create_account": "Créer un compte",
    "login_title": "Connectez-vous à X / X",
    "login_heading": "Connectez-vous à X",
    "sign_in_apple": "Se connecter avec Apple",
    "or": "ou",
    "identifier_label": "Numéro de téléphone, adresse email ou nom d'utilisateur",
    "next": "Suivant",
    "forgot_password": "Mot de passe oublié ?",
    "no_account": "Vous n'avez pas de compte ?",
    "sign_up": "Inscrivez-vous",
    "unusual_heading": "Entrez votre numéro de téléphone ou votre nom d'utilisateur",
    "unusual_text": (
        "Nous avons détecté une activité de connexion inhabituelle sur votre compte. Pour protéger votre "
        "compte, saisissez votre numéro de téléphone ou votre nom d'utilisateur pour confirmer votre identité."
    ),
    "unusual_label": "Numéro de téléphone ou nom d'utilisateur",
    "password_heading": "Entrez votre mot de passe",
    "username_label": "Nom d'utilisateur",
    "password_label": "Mot de passe",
    "reveal_password": "Afficher le mot de passe",
    "log_in": "Se connecter",
    "code_heading": "Entrez votre code de vérification",
    "code_text": "Utilisez votre application de génération de codes pour obtenir un code et saisissez-le ci-dessous.",
    "code_text_sms": (
        "Nous avons envoyé un code par SMS au numéro de téléphone se terminant par 42. Saisissez-le ci-dessous."
    ),
    "code_label": "Entrer le code",
    "arkose_heading": "Authentifiez votre compte",
    "arkose_text": "Résolvez ce puzzle pour prouver que vous êtes un humain et protéger votre compte.",
    "arkose_frame_title": "Défi de vérification",
    "arkose_start": "Commencer le puzzle",
    # [unverified] the French sign-in errors (the English ones are documented).
    "err_unknown_account": "Désolé, nous n'avons pas trouvé votre compte.",
    "err_wrong_password": "Mot de passe incorrect !",
    "err_wrong_identifier": "Incorrect. Veuillez réessayer.",
    "err_wrong_code": "Votre code est incorrect. Veuillez réessayer.",
    "locked_title": "Votre compte a été verrouillé / X",
    "locked_heading": "Votre compte a été verrouillé",
    "locked_text": (
        "Nous avons temporairement verrouillé votre compte, car nous avons remarqué une activité "
        "inhabituelle. Pour le déverrouiller, vous devrez suivre quelques étapes."
    ),
    "locked_start": "Commencer",
    "nav_label": "Principal",
    "nav_home": "Accueil",
    "nav_explore": "Explorer",
    "nav_notifications": "Notifications",
    "nav_messages": "Messages",
    "nav_grok": "Grok",
    "nav_profile": "Profil",
    "nav_more": "Plus",
    "more_settings": "Paramètres et confidentialité",
    "more_logout": "Se déconnecter",
    "logout_heading": "Se déconnecter de X ?",
    "logout_text": "Vous pouvez vous reconnecter à tout moment.",
    "post": "Poster",
    "home_title": "Accueil / X",
    "home_heading": "Accueil",
    "for_you": "Pour vous",
    "following": "Abonnements",
    "whats_happening": "Quoi de neuf ?!",
    "reply": "Répondre",
    "repost": "Reposter",
    "like": "J'aime",
    "post_1": "J'ai publié un petit outil en ligne de commande aujourd'hui. Petits outils, utilisateurs contents.",
    "post_2": (
        "Rappel de notre équipe sécurité : une vraie page de connexion ne vous demande jamais votre mot de "
        "passe en message privé. Si une page dit que votre compte a été verrouillé, allez vous-même sur x.com."
    ),
    "post_3": "Avis tranché : la meilleure page de paramètres est celle qu'on n'a jamais besoin d'ouvrir.",
    "settings_title": "Paramètres / X",
    "settings_heading": "Paramètres",
    "search_settings": "Rechercher dans les paramètres",
    "cat_account": "Votre compte",
    "cat_security_and_account_access": "Sécurité et accès au compte",
    "cat_privacy_and_safety": "Confidentialité et sécurité",
    "cat_notifications": "Notifications",
    "cat_accessibility_display_and_languages": "Accessibilité, affichage et langues",
    "cat_about": "Ressources supplémentaires",
    "account_intro": (
        "Consultez les informations de votre compte, téléchargez une archive de vos données ou découvrez "
        "les options de désactivation de votre compte."
    ),
    "privacy_intro": "Gérez les informations que vous voyez et partagez sur X.",
    "category_intro": "Cette partie des paramètres n'est pas reproduite dans le bac à sable.",
    "info_text": "Ce paramètre n'est là que pour le réalisme ; rien ne peut être modifié ici.",
    "sec_your_activity": "Votre activité sur X",
    "sec_data_sharing": "Partage des données et personnalisation",
    "row_your_twitter_data/account": "Informations du compte",
    "row_password": "Changez votre mot de passe",
    "row_download_your_data": "Télécharger une archive de vos données",
    "row_deactivate": "Désactiver votre compte",
    "row_audience_and_tagging": "Audience, médias et identification",
    "row_your_tweets": "Vos posts",
    "row_content_you_see": "Contenu que vous voyez",
    "row_mute_and_block": "Masquer et bloquer",
    "row_direct_messages": "Messages privés",
    "row_spaces": "Spaces",
    "row_contacts": "Visibilité et contacts",
    "row_ads_preferences": "Préférences en matière de publicités",
    "row_inferred_identity": "Identité déduite",
    "row_data_sharing_with_business_partners": "Partage des données avec les partenaires commerciaux",
    "row_location": "Informations de localisation",
    # Documented (single source): « Grok et collaborateurs tiers ».
    "row_grok_settings": "Grok et collaborateurs tiers",
    "grok_title": "Grok et collaborateurs tiers / X",
    "grok_heading": "Grok et collaborateurs tiers",
    "grok_subheading": "Partage des données",
    "grok_description": (
        "X peut partager avec xAI vos données publiques X ainsi que vos interactions, entrées et résultats "
        "avec Grok sur X pour entraîner et affiner Grok et d'autres modèles d'IA développés par xAI."
    ),
    "learn_more": "En savoir plus",
    # The three French checkbox labels are not documented anywhere: all [unverified].
    "grok_training": (
        "Autoriser l'utilisation de vos données publiques ainsi que de vos interactions, entrées et "
        "résultats avec Grok et xAI à des fins d'entraînement et d'affinage"
    ),
    "grok_training_2024": (
        "Autoriser l'utilisation de vos posts ainsi que de vos interactions, entrées et résultats avec "
        "Grok à des fins d'entraînement et d'affinage."
    ),
    "grok_personalization": "Autoriser X à personnaliser votre expérience avec Grok",
    "grok_memory": "Autoriser Grok à se souvenir de l'historique de vos conversations",
    # Documented (single source).
    "grok_delete": "Supprimer l'historique des conversations",
    "grok_delete_sheet_heading": "Supprimer toutes les conversations ?",
    "grok_delete_sheet_text": "Cette action est irréversible : vos conversations avec Grok seront supprimées de X.",
    "grok_delete_confirm": "Supprimer",
    "grok_delete_done": "Votre historique des conversations a été supprimé.",
    "cancel": "Annuler",
    "not_found_title": "Page introuvable / X",
    "not_found_heading": "Hum... cette page n'existe pas. Essayez de rechercher autre chose.",
    "search": "Rechercher",
}

TEXTS: Final[dict[str, dict[str, str]]] = {"en": EN, "fr": FR}


def texts(language: str) -> dict[str, str]:
    """The texts of one language (English for anything but French)."""
    return TEXTS.get(language, EN)


def language_of(header: str) -> str:
    """French if an Accept-Language (or x-twitter-client-language) header starts with fr, else English."""
    return "fr" if header.strip().lower().startswith("fr") else "en"
