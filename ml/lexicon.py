"""Per-language word lists for the rule components (dates, vehicles, people); public-domain vocabulary."""

from __future__ import annotations

DATE_WORDS: dict[str, list[str]] = {
    "en": ["today", "tonight", "yesterday", "tomorrow", "monday", "tuesday", "wednesday", "thursday",
           "friday", "saturday", "sunday", "january", "february", "march", "april", "june", "july",
           "august", "september", "october", "november", "december", "morning", "evening", "midnight"],
    "es": ["hoy", "ayer", "mañana", "manana", "anoche", "lunes", "martes", "miércoles", "miercoles",
           "jueves", "viernes", "sábado", "sabado", "domingo", "enero", "febrero", "marzo", "abril", "mayo",
           "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre", "madrugada",
           "medianoche", "noche", "tarde"],
    "fr": ["aujourd'hui", "aujourd", "hier", "demain", "lundi", "mardi", "mercredi", "jeudi", "vendredi",
           "samedi", "dimanche", "janvier", "février", "fevrier", "avril", "juin", "juillet", "août", "aout",
           "septembre", "octobre", "novembre", "décembre", "decembre", "matin", "soir", "minuit", "nuit"],
    "ht": ["jodi", "yè", "ayè", "aye", "demen", "aswè", "aswe", "maten", "lendi", "madi", "mèkredi",
           "mekredi", "jedi", "vandredi", "samdi", "dimanch", "janvye", "fevriye", "avril", "jen", "jiyè",
           "jiye", "septanm", "oktòb", "oktob", "novanm", "desanm", "minwi", "lannwit"],
    "ar": ["اليوم", "أمس", "امس", "البارحة", "غدا", "غداً", "الليلة", "الاثنين", "الثلاثاء", "الأربعاء",
           "الخميس", "الجمعة", "السبت", "الأحد", "صباحا", "مساء", "يناير", "فبراير", "مارس", "أبريل",
           "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"],
}

VEHICLE_WORDS: dict[str, list[str]] = {
    "en": ["car", "cars", "truck", "trucks", "van", "vans", "bus", "motorcycle", "motorbike", "pickup",
           "suv", "boat", "boats", "vehicle", "vehicles", "taxi", "jeep", "lorry", "trailer", "sedan"],
    "es": ["coche", "carro", "auto", "camión", "camion", "camioneta", "furgoneta", "moto", "motocicleta",
           "autobús", "autobus", "lancha", "vehículo", "vehiculo", "barco", "taxi", "bote"],
    "fr": ["voiture", "camion", "camionnette", "moto", "bus", "bateau", "véhicule", "vehicule", "fourgon",
           "taxi", "jeep", "pick-up"],
    "ht": ["machin", "kamyon", "kamyonèt", "kamyonet", "moto", "bis", "bato", "taptap", "veyikil", "taksi",
           "pikòp", "pikop"],
    "ar": ["سيارة", "سيارات", "شاحنة", "شاحنات", "حافلة", "دراجة", "قارب", "مركبة", "تاكسي", "عربة"],
}

PEOPLE_WORDS: dict[str, list[str]] = {
    "en": ["people", "persons", "person", "men", "man", "women", "woman", "children", "kids", "child",
           "families", "family", "boys", "girls", "adults", "victims", "injured", "migrants", "dead", "bodies"],
    "es": ["personas", "persona", "hombres", "mujeres", "niños", "ninos", "niñas", "familias", "migrantes",
           "heridos", "muertos", "gente", "adultos", "víctimas", "victimas"],
    "fr": ["personnes", "personne", "hommes", "femmes", "enfants", "familles", "blessés", "blesses",
           "migrants", "victimes", "morts", "adultes", "gens"],
    "ht": ["moun", "gason", "fanm", "timoun", "fanmi", "blese", "viktim", "pitit", "granmoun", "mò", "kadav"],
    "ar": ["أشخاص", "اشخاص", "شخص", "رجال", "نساء", "أطفال", "اطفال", "عائلات", "مهاجرين", "جرحى", "قتلى"],
}

NUMBER_WORDS: dict[str, list[str]] = {
    "en": ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "dozen", "many", "several"],
    "es": ["dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "muchas", "muchos"],
    "fr": ["deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "plusieurs"],
    "ht": ["de", "twa", "kat", "senk", "sis", "sèt", "uit", "nèf", "dis", "anpil", "plizyè", "plizye"],
    "ar": ["اثنين", "ثلاثة", "أربعة", "خمسة", "ستة", "سبعة", "ثمانية", "تسعة", "عشرة", "عدة"],
}
