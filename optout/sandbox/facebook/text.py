"""Visible texts of the Facebook replica and of Meta's objection form (shared with Instagram), EN and FR.

Documented (docs/platforms/facebook.md): the form asks for the e-mail address (prefilled when signed
in) and an optional reason, then "Send"/"Submit"; the confirmation says the request "will be applied
from now on to AI development at Meta"; US accounts have no form. No markup or wording of the form is
documented beyond that: every other text below, the sign-in pages, the cookie dialog and every French
text included, is made up to read like Meta's pages [unverified].
"""

from __future__ import annotations

from typing import Final

#: Meta's objection form, the same on Facebook and Instagram [unverified except "applied from now on…"].
FORM_EN: Final[dict[str, str]] = {
    "form_title": "Object to your information being used for AI at Meta",
    "form_intro": (
        "You have the right to object to Meta using the information you've shared on Meta's Products "
        "and services to develop and improve AI at Meta."
    ),
    "email_label": "Email address",
    "reason_label": "How does this processing impact you? (optional)",
    "send": "Send",
    "loading": "Loading…",
    "confirmation_title": "Thanks, your objection has been received",
    "confirmation_text": (
        "We'll honor your objection. This means your objection will be applied from now on to AI "
        "development at Meta. You'll also receive an email confirming this."
    ),
    "already_received": "We've already received your objection",
    "already_received_text": "Your objection applies to AI development at Meta. You don't need to send it again.",
    "not_offered": "This form is not available in your region.",
    "form_error": "Something went wrong. We're working on getting this fixed as soon as we can.",
    "invalid_email": "Please enter a valid email address.",
    "code_title": "Enter the code we sent to your email",
    "code_text": "To confirm your request, enter the 6-digit code we sent to your email address.",
    "code_label": "Code",
    "confirm": "Confirm",
    "redesign_question": "What would you like to do?",
    "redesign_choice": "Learn more about AI at Meta",
    "continue": "Continue",
}

FORM_FR: Final[dict[str, str]] = {
    "form_title": "Vous opposer à l'utilisation de vos informations pour l'IA chez Meta",
    "form_intro": (
        "Vous avez le droit de vous opposer à ce que Meta utilise les informations que vous avez "
        "partagées sur ses produits et services pour développer et améliorer l'IA chez Meta."
    ),
    "email_label": "Adresse e-mail",
    "reason_label": "Quel est l'impact de ce traitement sur vous ? (facultatif)",
    "send": "Envoyer",
    "loading": "Chargement…",
    "confirmation_title": "Merci, votre opposition a bien été reçue",
    "confirmation_text": (
        "Nous accepterons votre opposition. Cela signifie qu'elle sera appliquée dès maintenant au "
        "développement de l'IA chez Meta. Vous recevrez aussi un e-mail de confirmation."
    ),
    "already_received": "Nous avons déjà reçu votre opposition",
    "already_received_text": "Votre opposition s'applique au développement de l'IA chez Meta. Inutile de la renvoyer.",
    "not_offered": "Ce formulaire n'est pas disponible dans votre région.",
    "form_error": "Un problème est survenu. Nous travaillons à le résoudre dès que possible.",
    "invalid_email": "Veuillez saisir une adresse e-mail valide.",
    "code_title": "Saisissez le code envoyé à votre adresse e-mail",
    "code_text": "Pour confirmer votre demande, saisissez le code à 6 chiffres envoyé à votre adresse e-mail.",
    "code_label": "Code",
    "confirm": "Confirmer",
    "redesign_question": "Que souhaitez-vous faire ?",
    "redesign_choice": "En savoir plus sur l'IA chez Meta",
    "continue": "Continuer",
}

#: Facebook's own pages [unverified, except the sign-in labels and alerts given in the facts page].
EN: Final[dict[str, str]] = {
    "site": "Facebook",
    "tagline": "Connect with friends and the world around you on Facebook.",
    "login_title": "Log in to Facebook",
    "user_label": "Email address or phone number",
    "password_label": "Password",
    "log_in": "Log in",
    "wrong_password": "The password that you've entered is incorrect.",
    "unknown_user": "The email address or mobile number you entered isn't connected to an account.",
    "cookie_title": "Allow the use of cookies from Facebook on this browser?",
    "cookie_text": "We use cookies to help provide and improve content on Meta Products.",
    "cookie_allow": "Allow all cookies",
    "cookie_decline": "Decline optional cookies",
    "two_factor_title": "Enter the code from your authentication app",
    "two_factor_text": "Enter the 6-digit code from the authentication app you set up.",
    "checkpoint_title": "We noticed unusual activity",
    "checkpoint_text": "To help keep your account safe, confirm it's you before you continue.",
    "locked_title": "Your account has been locked",
    "locked_text": "We noticed unusual activity on your account. Follow the steps to unlock it.",
    "code_wrong": "The code you entered doesn't match. Please try again.",
    "onetap_title": "",
    "save_info": "",
    "not_now": "",
    "nav": "Facebook",
    "home": "Home",
    "profile": "Your profile",
    "feed": "What's on your mind?",
    "not_found": "This content isn't available right now",
}

FR: Final[dict[str, str]] = {
    "site": "Facebook",
    "tagline": "Avec Facebook, partagez et restez en contact avec votre entourage.",
    "login_title": "Se connecter à Facebook",
    "user_label": "Adresse e-mail ou numéro de mobile",
    "password_label": "Mot de passe",
    "log_in": "Se connecter",
    "wrong_password": "Le mot de passe entré est incorrect.",
    "unknown_user": "L'adresse e-mail ou le numéro de mobile que vous avez saisi n'est associé à aucun compte.",
    "cookie_title": "Autoriser l'utilisation des cookies de Facebook sur ce navigateur ?",
    "cookie_text": "Nous utilisons des cookies pour fournir et améliorer le contenu des Produits Meta.",
    "cookie_allow": "Autoriser tous les cookies",
    "cookie_decline": "Refuser les cookies optionnels",
    "two_factor_title": "Saisissez le code de votre application d'authentification",
    "two_factor_text": "Saisissez le code à 6 chiffres de l'application d'authentification que vous avez configurée.",
    "checkpoint_title": "Nous avons remarqué une activité inhabituelle",
    "checkpoint_text": "Pour protéger votre compte, confirmez qu'il s'agit bien de vous avant de continuer.",
    "locked_title": "Votre compte a été verrouillé",
    "locked_text": (
        "Nous avons remarqué une activité inhabituelle sur votre compte. Suivez les étapes pour le déverrouiller."
    ),
    "code_wrong": "Le code saisi ne correspond pas. Veuillez réessayer.",
    "onetap_title": "",
    "save_info": "",
    "not_now": "",
    "nav": "Facebook",
    "home": "Accueil",
    "profile": "Votre profil",
    "feed": "Quoi de neuf ?",
    "not_found": "Ce contenu n'est pas disponible pour le moment",
}


def texts(language: str) -> dict[str, str]:
    return (FR | FORM_FR) if language == "fr" else (EN | FORM_EN)


def language_of(accept_language: str) -> str:
    """French when the browser asks for it first, else English."""
    return "fr" if accept_language.strip().lower().startswith("fr") else "en"
