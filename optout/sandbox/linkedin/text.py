"""Visible texts of the LinkedIn replica, in English and French.

Labels of the sign-in page, the menus and the AI-training setting are the ones
reported for the real site (docs/platforms/linkedin.md §3.6, §3.8).
The rest is plausible filler.
"""

from __future__ import annotations

from typing import Final

EN: Final[dict[str, str]] = {
    # Sign-in
    "login_title": "LinkedIn Login, Sign in | LinkedIn",
    "login_heading": "Sign in",
    "login_subtitle": "Stay updated on your professional world",
    "username_label": "Email or phone",
    "password_label": "Password",
    "show": "Show",
    "keep_logged_in": "Keep me logged in",
    "forgot_password": "Forgot password?",
    "sign_in": "Sign in",
    "new_to_linkedin": "New to LinkedIn?",
    "join_now": "Join now",
    "err_no_username": "Please enter an email address or phone number",
    "err_unknown_user": "Couldn't find a LinkedIn account associated with this email address. Try again.",
    "err_no_password": "Please enter a password.",
    "err_wrong_password": "That's not the right password. Try again or sign in with a one-time link",
    "csrf_title": "Something went wrong",
    "csrf_heading": "Something went wrong (CSRF check failed)",
    "csrf_text": "Your session expired or the request was not sent from the sign-in page. Go back and try again.",
    "back_to_sign_in": "Back to sign in",
    # Checkpoints
    "pin_title": "Email verification | LinkedIn",
    "pin_heading": "Enter the code we sent to {email}",
    "pin_text": "Check your email, we sent a verification code to {email}. The code expires soon.",
    "pin_label": "Verification code",
    "pin_submit": "Submit",
    "pin_resend": "Resend code",
    "err_wrong_pin": "The verification code you entered isn't valid. Please check the code and try again.",
    "captcha_title": "Security Verification | LinkedIn",
    "captcha_heading": "Let's do a quick security check",
    "captcha_text": "Please solve this puzzle so we know you're a real person.",
    "captcha_frame_title": "Captcha",
    "captcha_box": "I'm not a robot",
    "captcha_hold": "Press and hold",
    "app_title": "Check your LinkedIn app | LinkedIn",
    "app_heading": "Check your LinkedIn app",
    "app_text": (
        "We sent a notification to your signed in devices. "
        "Open your LinkedIn app and tap Yes, it's me to verify it's you."
    ),
    "app_waiting": "Waiting for your approval…",
    "remember_title": "LinkedIn",
    "remember_heading": "Remember me on this browser?",
    "remember_text": "Sign in faster next time on this browser. Don't use this on a shared or public device.",
    "remember_yes": "Remember me",
    "remember_no": "Not now",
    "restricted_title": "Account restricted | LinkedIn",
    "restricted_heading": "Your account has been restricted",
    "restricted_text": (
        "We've temporarily restricted your account because we noticed unusual activity. "
        "To get back in, you'll need to verify your identity with our support team."
    ),
    "authwall_title": "Sign Up | LinkedIn",
    "authwall_heading": "Join LinkedIn or sign in to continue",
    "authwall_text": "Sign in to see this page.",
    # Global navigation
    "search": "Search",
    "nav_home": "Home",
    "nav_network": "My Network",
    "nav_jobs": "Jobs",
    "nav_messaging": "Messaging",
    "nav_notifications": "Notifications",
    "nav_me": "Me",
    "me_view_profile": "View profile",
    "me_settings": "Settings & Privacy",
    "me_help": "Help",
    "me_sign_out": "Sign Out",
    # Feed
    "feed_title": "Feed | LinkedIn",
    "start_post": "Start a post",
    "like": "Like",
    "comment": "Comment",
    "repost": "Repost",
    "post_1": (
        "Thrilled to share that our team shipped the new onboarding flow this week. "
        "Huge thanks to everyone who tested the early builds!"
    ),
    "post_2": (
        "PSA from our trust & safety team: we are seeing more restricted accounts after a phishing wave. "
        "If a page asks you for a security verification, only enter codes on the real site."
    ),
    "post_3": "Hiring: we are looking for a data engineer who enjoys tidy pipelines. Remote-friendly.",
    "placeholder_title": "LinkedIn",
    "placeholder_text": "This part of LinkedIn is not replicated in the sandbox.",
    # Settings app
    "settings_title": "Settings | LinkedIn",
    "back_to_linkedin": "Back to LinkedIn.com",
    "settings_nav_label": "Settings",
    "settings": "Settings",
    "cat_account": "Account preferences",
    "cat_sign-in-and-security": "Sign in & security",
    "cat_visibility": "Visibility",
    "cat_privacy": "Data privacy",
    "cat_advertising": "Advertising data",
    "cat_notifications": "Notifications",
    "on": "On",
    "off": "Off",
    "back": "Back",
    "learn_more": "Learn more",
    "info_text": "This setting is shown for realism only; nothing here can be changed in the sandbox.",
    "sec_profile": "Profile information",
    "sec_display": "Display",
    "sec_account_access": "Account access",
    "sec_visibility": "Visibility of your profile & network",
    "sec_uses_data": "How LinkedIn uses your data",
    "sec_other_apps": "Other applications",
    "sec_ads_profile": "Profile data",
    "sec_notifications": "Notifications you receive",
    "row_name-location-industry": "Name, location, and industry",
    "row_dark-mode": "Dark mode",
    "row_language": "Language",
    "row_email-addresses": "Email addresses",
    "row_change-password": "Change password",
    "row_two-step-verification": "Two-step verification",
    "row_profile-viewing-options": "Profile viewing options",
    "row_public-profile": "Edit your public profile",
    "row_manage-data-and-activity": "Manage your data and activity",
    "row_download-my-data": "Get a copy of your data",
    "row_permitted-services": "Permitted services",
    "row_ads-beyond-linkedin": "Ads beyond LinkedIn",
    "row_ads-by-age": "Age range",
    "row_notifications-jobs": "Searching for a job",
    "row_notifications-network": "Connecting with others",
    # Switch pages
    "ai_title": "Data for Generative AI Improvement",
    "ai_question": (
        "Can LinkedIn use your personal data and content you create on LinkedIn to train "
        "generative AI models that create content?"
    ),
    "ai_switch": "Use my data for training content creation AI models",
    "ai_description": (
        "When this setting is on, LinkedIn can use your data and content to train content-generating "
        "AI models that are used in product features. The data we use for this purpose does not include "
        "your private messages."
    ),
    "research_title": "Social, economic, and workplace research",
    "research_question": (
        "Can LinkedIn use your data for social, economic and workplace research with trusted partners?"
    ),
    "research_switch": "Use my data for social, economic and workplace research",
    "research_description": (
        "When this setting is on, LinkedIn may share your data with trusted partners for research. "
        "Your private messages are never included."
    ),
    "updating": "We're updating this setting.",
    "writing_switch": "Show me AI-powered writing suggestions",
    "writing_description": "Get suggestions from AI when you write posts, comments and messages.",
    "loading": "Loading…",
    "save_error": "We couldn't save your change. Try again.",
    "load_error": "We couldn't load this setting. Refresh the page to try again.",
    # Errors
    "not_found_title": "Page not found | LinkedIn",
    "not_found_heading": "This page doesn't exist",
    "not_found_text": "Please check your URL or return to LinkedIn home.",
    "go_home": "Go to your feed",
}

FR: Final[dict[str, str]] = {
    "login_title": "Connexion LinkedIn, S'identifier | LinkedIn",
    "login_heading": "S'identifier",
    "login_subtitle": "Restez informé de votre univers professionnel",
    "username_label": "E-mail ou téléphone",
    "password_label": "Mot de passe",
    "show": "Afficher",
    "keep_logged_in": "Rester connecté",
    "forgot_password": "Mot de passe oublié ?",
    "sign_in": "S'identifier",
    "new_to_linkedin": "Nouveau sur LinkedIn ?",
    "join_now": "S'inscrire",
    "err_no_username": "Veuillez saisir une adresse e-mail ou un numéro de téléphone",
    "err_unknown_user": (
        "Impossible de trouver un compte LinkedIn associé à cette adresse e-mail. Veuillez réessayer."
    ),
    "err_no_password": "Veuillez saisir un mot de passe.",
    "err_wrong_password": ("Ce n'est pas le bon mot de passe. Réessayez ou connectez-vous avec un lien à usage unique"),
    "csrf_title": "Un problème est survenu",
    "csrf_heading": "Un problème est survenu (échec de la vérification CSRF)",
    "csrf_text": "Votre session a expiré ou la demande ne provient pas de la page de connexion. Réessayez.",
    "back_to_sign_in": "Retour à la connexion",
    "pin_title": "Vérification par e-mail | LinkedIn",
    "pin_heading": "Saisissez le code envoyé à {email}",
    "pin_text": "Consultez vos e-mails, nous avons envoyé un code de vérification à {email}.",
    "pin_label": "Code de vérification",
    "pin_submit": "Valider",
    "pin_resend": "Renvoyer le code",
    "err_wrong_pin": "Le code de vérification saisi n'est pas valide. Vérifiez le code et réessayez.",
    "captcha_title": "Vérification de sécurité | LinkedIn",
    "captcha_heading": "Procédons à une vérification de sécurité rapide",
    "captcha_text": "Veuillez résoudre ce puzzle pour nous prouver que vous êtes une vraie personne.",
    "captcha_frame_title": "Captcha",
    "captcha_box": "Je ne suis pas un robot",
    "captcha_hold": "Appuyez de manière prolongée",
    "app_title": "Consultez votre application LinkedIn | LinkedIn",
    "app_heading": "Consultez votre application LinkedIn",
    "app_text": (
        "Nous avons envoyé une notification à vos appareils connectés. Ouvrez votre application LinkedIn "
        "et appuyez sur Oui, c'est moi pour confirmer qu'il s'agit bien de vous."
    ),
    "app_waiting": "En attente de votre approbation…",
    "remember_title": "LinkedIn",
    "remember_heading": "Se souvenir de moi sur ce navigateur ?",
    "remember_text": (
        "Connectez-vous plus rapidement la prochaine fois sur ce navigateur. "
        "N'utilisez pas cette option sur un appareil partagé ou public."
    ),
    "remember_yes": "Se souvenir de moi",
    "remember_no": "Pas maintenant",
    "restricted_title": "Compte restreint | LinkedIn",
    "restricted_heading": "Votre compte a été restreint",
    "restricted_text": (
        "Nous avons temporairement restreint votre compte en raison d'une activité inhabituelle. "
        "Pour y accéder à nouveau, vous devrez confirmer votre identité auprès de notre assistance."
    ),
    "authwall_title": "S'inscrire | LinkedIn",
    "authwall_heading": "Inscrivez-vous sur LinkedIn ou identifiez-vous pour continuer",
    "authwall_text": "Identifiez-vous pour voir cette page.",
    "search": "Rechercher",
    "nav_home": "Accueil",
    "nav_network": "Réseau",
    "nav_jobs": "Emplois",
    "nav_messaging": "Messagerie",
    "nav_notifications": "Notifications",
    "nav_me": "Vous",
    "me_view_profile": "Voir le profil",
    "me_settings": "Préférences et confidentialité",
    "me_help": "Aide",
    "me_sign_out": "Déconnexion",
    "feed_title": "Fil d'actualité | LinkedIn",
    "start_post": "Commencer un post",
    "like": "J'aime",
    "comment": "Commenter",
    "repost": "Republier",
    "post_1": (
        "Ravie d'annoncer que notre équipe a livré le nouveau parcours d'accueil cette semaine. "
        "Merci à toutes celles et ceux qui ont testé les premières versions !"
    ),
    "post_2": (
        "Message de notre équipe confiance et sécurité : nous voyons plus de restricted accounts "
        "(comptes restreints) après une vague d'hameçonnage. Si une page vous demande une security "
        "verification, ne saisissez de code que sur le vrai site."
    ),
    "post_3": "Nous recrutons : un ingénieur données qui aime les pipelines bien rangés. Télétravail possible.",
    "placeholder_title": "LinkedIn",
    "placeholder_text": "Cette partie de LinkedIn n'est pas reproduite dans le bac à sable.",
    "settings_title": "Préférences | LinkedIn",
    "back_to_linkedin": "Retour sur LinkedIn.com",
    "settings_nav_label": "Préférences",
    "settings": "Préférences",
    "cat_account": "Préférences du compte",
    "cat_sign-in-and-security": "Connexion et sécurité",
    "cat_visibility": "Visibilité",
    "cat_privacy": "Confidentialité des données",
    "cat_advertising": "Données publicitaires",
    "cat_notifications": "Notifications",
    "on": "Activé",
    "off": "Désactivé",
    "back": "Retour",
    "learn_more": "En savoir plus",
    "info_text": "Ce paramètre n'est là que pour le réalisme ; rien ne peut être modifié ici.",
    "sec_profile": "Informations du profil",
    "sec_display": "Affichage",
    "sec_account_access": "Accès au compte",
    "sec_visibility": "Visibilité de votre profil et de votre réseau",
    "sec_uses_data": "Comment LinkedIn utilise vos données",
    "sec_other_apps": "Autres applications",
    "sec_ads_profile": "Données du profil",
    "sec_notifications": "Notifications que vous recevez",
    "row_name-location-industry": "Nom, lieu et secteur",
    "row_dark-mode": "Mode sombre",
    "row_language": "Langue",
    "row_email-addresses": "Adresses e-mail",
    "row_change-password": "Modifier le mot de passe",
    "row_two-step-verification": "Vérification en deux étapes",
    "row_profile-viewing-options": "Options d'affichage du profil",
    "row_public-profile": "Modifier votre profil public",
    "row_manage-data-and-activity": "Gérer vos données et votre activité",
    "row_download-my-data": "Obtenir une copie de vos données",
    "row_permitted-services": "Services autorisés",
    "row_ads-beyond-linkedin": "Publicités en dehors de LinkedIn",
    "row_ads-by-age": "Tranche d'âge",
    "row_notifications-jobs": "Recherche d'emploi",
    "row_notifications-network": "Échanger avec d'autres membres",
    "ai_title": "Données pour l'amélioration de l'IA générative",
    "ai_question": (
        "LinkedIn peut-il utiliser vos données personnelles et le contenu que vous créez sur LinkedIn "
        "pour entraîner des modèles d'IA générative qui créent du contenu ?"
    ),
    # The documented label says « des modèles »; the French demo account shows a drifted
    # wording on purpose, so that the product must not match the label word for word.
    "ai_switch": "Utiliser mes données pour entraîner les modèles d'IA de création de contenu",
    "ai_description": (
        "Lorsque ce paramètre est activé, LinkedIn peut utiliser vos données et votre contenu pour "
        "entraîner des modèles d'IA générateurs de contenu utilisés dans les fonctionnalités du produit. "
        "Les données utilisées à cette fin n'incluent pas vos messages privés."
    ),
    "research_title": "Recherche sociale, économique et sur le monde du travail",
    "research_question": (
        "LinkedIn peut-il utiliser vos données pour la recherche sociale, économique et sur le monde "
        "du travail avec des partenaires de confiance ?"
    ),
    "research_switch": "Utiliser mes données pour la recherche sociale, économique et sur le monde du travail",
    "research_description": (
        "Lorsque ce paramètre est activé, LinkedIn peut partager vos données avec des partenaires de "
        "confiance à des fins de recherche. Vos messages privés ne sont jamais inclus."
    ),
    "updating": "Nous mettons à jour ce paramètre.",
    "writing_switch": "Me proposer des suggestions de rédaction par IA",
    "writing_description": "Recevez des suggestions de l'IA lorsque vous rédigez des posts, commentaires et messages.",
    "loading": "Chargement…",
    "save_error": "Impossible d'enregistrer votre modification. Réessayez.",
    "load_error": "Impossible de charger ce paramètre. Actualisez la page pour réessayer.",
    "not_found_title": "Page introuvable | LinkedIn",
    "not_found_heading": "Cette page n'existe pas",
    "not_found_text": "Vérifiez l'URL ou revenez à l'accueil de LinkedIn.",
    "go_home": "Aller au fil d'actualité",
}

TEXTS: Final[dict[str, dict[str, str]]] = {"en": EN, "fr": FR}


def texts(language: str) -> dict[str, str]:
    """The texts of one language (English for anything but French)."""
    return TEXTS.get(language, EN)


def language_of(accept_language: str) -> str:
    """The login page's language from an Accept-Language header: French if it starts with fr."""
    return "fr" if accept_language.strip().lower().startswith("fr") else "en"
