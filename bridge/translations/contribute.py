"""The contributor pages' words, English and German (keys are stable ids)."""
from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "lang_name": "English",
        "title": "Send a photo or video",
        "intro": "Your photo or video goes to the editors of {org}. They decide what is published.",
        "files": "Photo or video",
        "files_hint": "You can choose several. Up to {limit} each.",
        "text": "What is it? (a short line)",
        "name": "Your name",
        "email": "Your e-mail (optional, only for questions about this submission)",
        "consent_heading": "Your consent",
        "consent_box": "I agree to the text above.",
        "submit": "Send",
        "sending": "Sending… {percent}%",
        "failed": "The upload did not go through. Your text is kept: try again.",
        "retry": "Try again",
        "fix": "Please fix this:",
        "received": "Thank you — we received it.",
        "receipt_title": "Your submission",
        "receipt_keep": "Keep this page's address: it is the only way to see what happens to your submission "
                        "or to withdraw it.",
        "state_received": "Received — the editors have not decided yet.",
        "state_published": "Published",
        "state_not_used": "Not used.",
        "state_withdrawn": "You withdrew your consent on {when}. It has been taken down everywhere.",
        "withdraw": "Withdraw my consent",
        "withdraw_hint": "This removes your photo or video from every site it was published on.",
        "withdrawn_now": "Your consent is withdrawn. It is being removed from every site.",
        "gone_title": "This link no longer works",
        "gone_expired": "This invitation expired on {when}.",
        "gone_revoked": "This invitation was withdrawn by the editors.",
        "gone_exhausted": "This invitation has received all the submissions it was meant for.",
        "gone_hint": "Ask the person who sent you the link for a new one.",
        "not_found": "There is no invitation at this address. Check the link you were sent.",
        "stale_page": "This page is too old or was not opened from your link. Nothing was sent: choose "
                      "your files again and send once more.",
        "too_many": "Too many submissions in a short time. Please try again in an hour.",
        "err_files": "Choose at least one photo or video.",
        "err_too_many_files": "At most {n} files at once; send the others in a second submission.",
        "err_name": "Please give your name (it is shown with your photo).",
        "err_email": "“{value}” is not an e-mail address; correct it or leave the field empty.",
        "err_consent": "Tick the box to agree, or we cannot use your photo or video.",
        "err_too_large": "Too much at once: at most {limit} per file and {n} files. Send fewer or smaller "
                         "files.",
        "err_text": "The text is too long (at most {n} characters).",
        "err_stale": "The page was open too long. It has been reloaded: please send again.",
        "consent_default": "I made this photo or video myself, the people who can be recognised in it agree to "
                           "it being shown, and I allow {org} to publish it with my name on its websites and "
                           "social media channels. I can withdraw this consent at any time with the link I "
                           "receive after sending.",
        "org_default": "our organisation",
        "switch": "Deutsch",
    },
    "de": {
        "lang_name": "Deutsch",
        "title": "Foto oder Video senden",
        "intro": "Ihr Foto oder Video geht an die Redaktion von {org}. Sie entscheidet, was veröffentlicht wird.",
        "files": "Foto oder Video",
        "files_hint": "Sie können mehrere auswählen. Jeweils bis zu {limit}.",
        "text": "Was ist zu sehen? (eine kurze Zeile)",
        "name": "Ihr Name",
        "email": "Ihre E-Mail-Adresse (freiwillig, nur für Rückfragen zu dieser Einsendung)",
        "consent_heading": "Ihre Einwilligung",
        "consent_box": "Ich stimme dem obigen Text zu.",
        "submit": "Senden",
        "sending": "Wird gesendet… {percent} %",
        "failed": "Das Hochladen hat nicht geklappt. Ihr Text bleibt erhalten: bitte erneut versuchen.",
        "retry": "Erneut versuchen",
        "fix": "Bitte korrigieren:",
        "received": "Vielen Dank — wir haben es erhalten.",
        "receipt_title": "Ihre Einsendung",
        "receipt_keep": "Bewahren Sie die Adresse dieser Seite auf: Nur damit sehen Sie, was mit Ihrer Einsendung "
                        "geschieht, und können sie zurückziehen.",
        "state_received": "Eingegangen — die Redaktion hat noch nicht entschieden.",
        "state_published": "Veröffentlicht",
        "state_not_used": "Nicht verwendet.",
        "state_withdrawn": "Sie haben Ihre Einwilligung am {when} widerrufen. Es wurde überall entfernt.",
        "withdraw": "Meine Einwilligung widerrufen",
        "withdraw_hint": "Damit wird Ihr Foto oder Video von allen Seiten entfernt, auf denen es erschienen ist.",
        "withdrawn_now": "Ihre Einwilligung ist widerrufen. Es wird überall entfernt.",
        "gone_title": "Dieser Link gilt nicht mehr",
        "gone_expired": "Diese Einladung ist am {when} abgelaufen.",
        "gone_revoked": "Diese Einladung wurde von der Redaktion zurückgezogen.",
        "gone_exhausted": "Diese Einladung hat alle vorgesehenen Einsendungen erhalten.",
        "gone_hint": "Bitten Sie die Person, die Ihnen den Link geschickt hat, um einen neuen.",
        "not_found": "Unter dieser Adresse gibt es keine Einladung. Prüfen Sie den Link.",
        "stale_page": "Diese Seite ist zu alt oder wurde nicht über Ihren Link geöffnet. Es wurde nichts "
                      "gesendet: Wählen Sie Ihre Dateien erneut aus und senden Sie noch einmal.",
        "too_many": "Zu viele Einsendungen in kurzer Zeit. Bitte versuchen Sie es in einer Stunde erneut.",
        "err_files": "Wählen Sie mindestens ein Foto oder Video aus.",
        "err_too_many_files": "Höchstens {n} Dateien auf einmal; senden Sie die übrigen in einer zweiten "
                              "Einsendung.",
        "err_name": "Bitte geben Sie Ihren Namen an (er wird mit Ihrem Foto gezeigt).",
        "err_email": "„{value}“ ist keine E-Mail-Adresse; korrigieren Sie sie oder lassen Sie das Feld leer.",
        "err_consent": "Setzen Sie das Häkchen zur Zustimmung, sonst können wir Ihr Foto oder Video nicht "
                       "verwenden.",
        "err_too_large": "Zu viel auf einmal: höchstens {limit} pro Datei und {n} Dateien. Senden Sie weniger "
                         "oder kleinere Dateien.",
        "err_text": "Der Text ist zu lang (höchstens {n} Zeichen).",
        "err_stale": "Die Seite war zu lange geöffnet und wurde neu geladen: bitte erneut senden.",
        "consent_default": "Ich habe dieses Foto oder Video selbst gemacht, die darauf erkennbaren Personen sind "
                           "mit der Veröffentlichung einverstanden, und ich erlaube {org}, es mit meinem Namen "
                           "auf den eigenen Websites und Social-Media-Kanälen zu veröffentlichen. Ich kann "
                           "diese Einwilligung jederzeit über den Link widerrufen, den ich nach dem Senden "
                           "erhalte.",
        "org_default": "unserer Organisation",
        "switch": "English",
    },
}
