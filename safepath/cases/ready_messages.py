"""Ready-made messages a responder can send to a reporter, in every reporter language.

A reporter may not read English, and a responder may not write the reporter's language, so
the reply form offers these short, calm sentences in the language the reporter used
(``Report.language``), with the English meaning beside them for the responder. They are
data kept here, not in the translation catalogs: they are chosen per report, not per
request, and a translator editing the catalogs cannot change what a responder has already
read in English. Each text uses the same word for "report" as the reporter's pages do.

``{phone}`` and ``{sms}`` are filled in with the configured hotline numbers.
"""

# ruff: noqa: RUF001  # full-width punctuation and typographic apostrophes are right here

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from safepath.reports.languages import NATIVE_NAMES, supported

FALLBACK_LANGUAGE = "en"
NBSP = "\u00a0"  # French puts a non-breaking space before ? and :

READY_MESSAGES: dict[str, dict[str, str]] = {
    "received": {
        "en": "We received your report.",
        "es": "Recibimos su reporte.",
        "zh-hans": "我们已经收到你的报告。",
        "vi": "Chúng tôi đã nhận được báo cáo của bạn.",
        "ko": "신고가 접수되었습니다.",
        "tl": "Natanggap namin ang ulat mo.",
        "ht": "Nou resevwa rapò ou a.",
        "pt": "Recebemos o seu relato.",
        "ru": "Мы получили ваше обращение.",
        "uk": "Ми отримали ваше звернення.",
        "ar": "لقد استلمنا بلاغك.",
        "fr": "Nous avons bien reçu votre signalement.",
    },
    "safe_to_contact": {
        "en": "Is it safe to contact you?",
        "es": "¿Es seguro comunicarnos con usted?",
        "zh-hans": "现在联系你安全吗？",
        "vi": "Chúng tôi liên lạc với bạn có an toàn không?",
        "ko": "지금 연락드려도 안전한가요?",
        "tl": "Ligtas bang makipag-ugnayan kami sa iyo?",
        "ht": "Èske li san danje pou nou kontakte w?",
        "pt": "É seguro entrarmos em contato com você?",
        "ru": "Безопасно ли с вами связаться?",
        "uk": "Чи безпечно з вами зв’язатися?",
        "ar": "هل من الآمن أن نتواصل معك؟",
        "fr": f"Pouvons-nous vous contacter sans danger{NBSP}?",
    },
    "help_on_the_way": {
        "en": "Help is on the way.",
        "es": "La ayuda va en camino.",
        "zh-hans": "有人正在赶来帮助你。",
        "vi": "Sự trợ giúp đang trên đường đến.",
        "ko": "도움이 가고 있습니다.",
        "tl": "Parating na ang tulong.",
        "ht": "Èd ap vini.",
        "pt": "A ajuda está a caminho.",
        "ru": "Помощь уже в пути.",
        "uk": "Допомога вже в дорозі.",
        "ar": "المساعدة في الطريق إليك.",
        "fr": "De l’aide est en route.",
    },
    "where_now": {
        "en": "Can you tell us where you are now?",
        "es": "¿Puede decirnos dónde está ahora?",
        "zh-hans": "你能告诉我们你现在在哪里吗？",
        "vi": "Bạn có thể cho chúng tôi biết bây giờ bạn đang ở đâu không?",
        "ko": "지금 어디에 계신지 알려 주실 수 있나요?",
        "tl": "Puwede mo bang sabihin sa amin kung nasaan ka ngayon?",
        "ht": "Èske ou ka di nou ki kote ou ye kounye a?",
        "pt": "Você pode nos dizer onde está agora?",
        "ru": "Можете сказать, где вы сейчас?",
        "uk": "Чи можете ви сказати, де ви зараз?",
        "ar": "هل يمكنك أن تخبرنا أين أنت الآن؟",
        "fr": f"Pouvez-vous nous dire où vous êtes maintenant{NBSP}?",
    },
    "hotline": {
        "en": "You can call or text the hotline any time: {phone} / {sms}.",
        "es": (
            "Puede llamar o enviar un mensaje de texto a la línea de ayuda en cualquier "
            "momento: {phone} / {sms}."
        ),
        "zh-hans": "你可以随时打电话或发短信给求助热线：{phone} / {sms}。",
        "vi": "Bạn có thể gọi hoặc nhắn tin cho đường dây nóng bất cứ lúc nào: {phone} / {sms}.",
        "ko": "언제든지 상담 전화로 전화하거나 문자를 보낼 수 있습니다: {phone} / {sms}.",
        "tl": "Puwede kang tumawag o mag-text sa hotline kahit kailan: {phone} / {sms}.",
        "ht": "Ou ka rele oswa voye tèks bay liy èd la nenpòt ki lè: {phone} / {sms}.",
        "pt": (
            "Você pode ligar ou mandar mensagem de texto para a linha de ajuda a qualquer "
            "hora: {phone} / {sms}."
        ),
        "ru": (
            "Вы можете в любое время позвонить или отправить SMS на горячую линию: {phone} / {sms}."
        ),
        "uk": (
            "Ви можете будь-коли зателефонувати або надіслати SMS на гарячу лінію: {phone} / {sms}."
        ),
        "ar": "يمكنك الاتصال بخط المساعدة أو إرسال رسالة نصية إليه في أي وقت: {phone} / {sms}.",
        "fr": (
            "Vous pouvez appeler la ligne d’aide ou lui envoyer un SMS à tout moment"
            f"{NBSP}: {{phone}} / {{sms}}."
        ),
    },
    "check_again": {
        "en": "We will check this page again soon.",
        "es": "Pronto volveremos a revisar esta página.",
        "zh-hans": "我们很快会再来查看这个页面。",
        "vi": "Chúng tôi sẽ sớm xem lại trang này.",
        "ko": "곧 이 페이지를 다시 확인하겠습니다.",
        "tl": "Titingnan namin ulit ang pahinang ito sa lalong madaling panahon.",
        "ht": "N ap tounen gade paj sa a byento.",
        "pt": "Vamos olhar esta página de novo em breve.",
        "ru": "Мы скоро снова проверим эту страницу.",
        "uk": "Ми незабаром знову перевіримо цю сторінку.",
        "ar": "سنعود إلى هذه الصفحة قريبًا.",
        "fr": "Nous reviendrons bientôt sur cette page.",
    },
    "not_in_trouble": {
        "en": "You did nothing wrong. We are here to help.",
        "es": "Usted no ha hecho nada malo. Estamos aquí para ayudarle.",
        "zh-hans": "你没有做错什么。我们是来帮助你的。",
        "vi": "Bạn không làm gì sai cả. Chúng tôi ở đây để giúp bạn.",
        "ko": "당신은 잘못한 것이 없습니다. 저희가 도와드리겠습니다.",
        "tl": "Wala kang kasalanan. Nandito kami para tumulong.",
        "ht": "Ou pa fè anyen mal. Nou la pou ede w.",
        "pt": "Você não fez nada de errado. Estamos aqui para ajudar.",
        "ru": "Вы ни в чём не виноваты. Мы здесь, чтобы помочь.",
        "uk": "Ви ні в чому не винні. Ми тут, щоб допомогти.",
        "ar": "لم ترتكب أي خطأ. نحن هنا لمساعدتك.",
        "fr": "Vous n’avez rien à vous reprocher. Nous sommes là pour vous aider.",
    },
    "read_it": {
        "en": "Thank you. We have read what you wrote.",
        "es": "Gracias. Leímos lo que escribió.",
        "zh-hans": "谢谢。我们已经看到你写的内容。",
        "vi": "Cảm ơn bạn. Chúng tôi đã đọc những gì bạn viết.",
        "ko": "감사합니다. 보내 주신 내용을 읽었습니다.",
        "tl": "Salamat. Nabasa namin ang isinulat mo.",
        "ht": "Mèsi. Nou li sa ou ekri a.",
        "pt": "Obrigado. Lemos o que você escreveu.",
        "ru": "Спасибо. Мы прочитали то, что вы написали.",
        "uk": "Дякуємо. Ми прочитали те, що ви написали.",
        "ar": "شكرًا لك. لقد قرأنا ما كتبته.",
        "fr": "Merci. Nous avons lu ce que vous avez écrit.",
    },
}

LANGUAGES = tuple(NATIVE_NAMES)


@dataclass(frozen=True)
class ReadyMessage:
    key: str
    language: str  # the language ``text`` is in
    text: str  # what the reporter reads
    meaning: str  # the English, for the responder


def reply_language(language: str | None) -> str:
    """The language to answer a reporter in: theirs if we speak it, else English."""
    return supported(language) or FALLBACK_LANGUAGE


def _fill(text: str) -> str:
    return text.format(phone=settings.HOTLINE_PHONE, sms=settings.HOTLINE_SMS)


def ready_message(*, key: str, language: str | None) -> ReadyMessage:
    """One ready-made message in the reporter's language. KeyError for an unknown key."""
    texts = READY_MESSAGES[key]
    lang = reply_language(language)
    return ReadyMessage(
        key=key, language=lang, text=_fill(texts[lang]), meaning=_fill(texts[FALLBACK_LANGUAGE])
    )


def ready_messages_for(language: str | None) -> list[ReadyMessage]:
    """Every ready-made message, in the order the reply form offers them."""
    return [ready_message(key=key, language=language) for key in READY_MESSAGES]
