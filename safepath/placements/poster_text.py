"""What a poster says, in each of the twelve poster languages.

A poster carries up to three languages at once, whatever language the staff member who prints
it reads, so this wording is a table keyed by language rather than gettext strings. It is
written to be calm and discreet: it must be safe for someone who controls a victim to see.
It never names trafficking, abuse or the police; it offers a private way to talk.
"""

# ruff: noqa: RUF001  # each language's own punctuation (full-width marks, curly quotes)

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PosterText:
    headline: str
    body: str
    call: str
    text: str
    emergency: str
    # Which font family the language needs and which way it reads.
    script: str = "latin"
    rtl: bool = False


POSTER_TEXT: dict[str, PosterText] = {
    "en": PosterText(
        headline="Need to talk privately? Scan for help.",
        body="Free and confidential. You do not have to give your name.",
        call="Call",
        text="Text",
        emergency="Emergency",
    ),
    "es": PosterText(
        headline="¿Necesita hablar en privado? Escanee para recibir ayuda.",
        body="Gratis y confidencial. No tiene que dar su nombre.",
        call="Llame",
        text="Mensaje de texto",
        emergency="Emergencias",
    ),
    "zh-hans": PosterText(
        headline="需要私下谈谈吗？扫码获取帮助。",
        body="免费、保密。您无需留下姓名。",
        call="电话",
        text="短信",
        emergency="紧急情况",
        script="sc",
    ),
    "vi": PosterText(
        headline="Cần nói chuyện riêng? Quét mã để được giúp đỡ.",
        body="Miễn phí và bảo mật. Bạn không cần cho biết tên.",
        call="Gọi",
        text="Nhắn tin",
        emergency="Khẩn cấp",
    ),
    "ko": PosterText(
        headline="조용히 이야기하고 싶으신가요? 스캔하여 도움을 받으세요.",
        body="무료이며 비밀이 보장됩니다. 이름을 밝히지 않아도 됩니다.",
        call="전화",
        text="문자",
        emergency="긴급",
        script="kr",
    ),
    "tl": PosterText(
        headline="Kailangan mo bang makipag-usap nang pribado? I-scan para sa tulong.",
        body="Libre at kumpidensyal. Hindi mo kailangang ibigay ang iyong pangalan.",
        call="Tumawag",
        text="Mag-text",
        emergency="Emergency",
    ),
    "ht": PosterText(
        headline="Ou bezwen pale an prive? Eskane pou jwenn èd.",
        body="Gratis epi konfidansyèl. Ou pa bezwen bay non ou.",
        call="Rele",
        text="Voye tèks",
        emergency="Ijans",
    ),
    "pt": PosterText(
        headline="Precisa conversar em particular? Escaneie para obter ajuda.",
        body="Gratuito e confidencial. Você não precisa dizer seu nome.",
        call="Ligue",
        text="SMS",
        emergency="Emergência",
    ),
    "ru": PosterText(
        headline="Хотите поговорить конфиденциально? Отсканируйте, чтобы получить помощь.",
        body="Бесплатно и конфиденциально. Называть своё имя не нужно.",
        call="Звонок",
        text="SMS",
        emergency="Экстренная помощь",
    ),
    "uk": PosterText(
        headline="Хочете поговорити конфіденційно? Скануйте, щоб отримати допомогу.",
        body="Безкоштовно та конфіденційно. Називати своє ім’я не потрібно.",
        call="Дзвінок",
        text="SMS",
        emergency="Екстрена допомога",
    ),
    "ar": PosterText(
        headline="هل تحتاج إلى التحدث بسرية؟ امسح الرمز للحصول على المساعدة.",
        body="مجاني وسري. لا داعي لذكر اسمك.",
        call="اتصل",
        text="رسالة نصية",
        emergency="الطوارئ",
        script="arabic",
        rtl=True,
    ),
    "fr": PosterText(
        headline="Besoin de parler en toute discrétion ? Scannez pour obtenir de l’aide.",
        body="Gratuit et confidentiel. Vous n’avez pas à donner votre nom.",
        call="Appelez",
        text="SMS",
        emergency="Urgences",
    ),
}
