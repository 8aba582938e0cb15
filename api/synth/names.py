"""Names the synthetic actors, places, outlets and tags are made of."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES: tuple[str, ...] = _words(
    """Dmitri Sergueï Maria Olena Ali Hossein Leïla Fatemeh John Sarah Emmanuel Claire Olaf Annalena Recep
    Mevlüt Xi Wang Ursula Josep Antony Jake Lloyd Ben Karine Volodymyr Oleksii Kyrylo Mykhailo Andriy Iouri
    Nikolaï Valery Alexandre Hassan Mohammad Ebrahim Nasser Amir Javad Zahra Elena Tatiana Anna Pierre
    Sophie Hélène Jean Mathieu Camille Thomas Nicolas Julie Lucie Paul David Rachel Michael Linda Robert"""
)
LAST_NAMES: tuple[str, ...] = _words(
    """Peskov Lavrov Zakharova Shoigu Raïssi Amir-Abdollahian Kanaani Baqeri Bagheri Rezaï Karimi Hosseini
    Kirby Sullivan Blinken Austin Price Macron Colonna Scholz Baerbock Erdoğan Çavuşoğlu Borrell Leyen
    Zelensky Reznikov Budanov Podolyak Yermak Ignat Kuleba Shmyhal Medvedev Patrouchev Gerasimov Belousov
    Martin Bernard Dubois Durand Lefèvre Moreau Laurent Simon Michel Garnier Rousseau Fontaine Chevalier
    Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Moore Jackson White Harris
    Petrov Ivanov Smirnov Kuznetsov Popov Sokolov Novikov Morozov Volkov Tehrani Ahmadi Mousavi Jafari"""
)
ASCII = str.maketrans("àâäçéèêëîïôöùûüÿœğşıÇŞ", "aaaceeeeiioouuuyogsiCS")

COUNTRIES: tuple[tuple[str, str, str], ...] = (
    ("RU", "Russie", "Russia"),
    ("IR", "Iran", "Iran"),
    ("UA", "Ukraine", "Ukraine"),
    ("US", "États-Unis", "United States"),
    ("FR", "France", "France"),
    ("GB", "Royaume-Uni", "United Kingdom"),
    ("DE", "Allemagne", "Germany"),
    ("TR", "Turquie", "Turkey"),
    ("CN", "Chine", "China"),
    ("IL", "Israël", "Israel"),
    ("SY", "Syrie", "Syria"),
    ("BY", "Biélorussie", "Belarus"),
    ("PL", "Pologne", "Poland"),
    ("BE", "Belgique", "Belgium"),
    ("CH", "Suisse", "Switzerland"),
    ("IQ", "Irak", "Iraq"),
)
CITIES: tuple[tuple[str, str, float, float], ...] = (
    ("RU", "Moscou", 55.75, 37.62),
    ("RU", "Saint-Pétersbourg", 59.94, 30.31),
    ("RU", "Koursk", 51.73, 36.19),
    ("RU", "Belgorod", 50.6, 36.6),
    ("IR", "Téhéran", 35.69, 51.39),
    ("IR", "Ispahan", 32.65, 51.67),
    ("IR", "Chiraz", 29.59, 52.58),
    ("IR", "Tabriz", 38.08, 46.29),
    ("UA", "Kyiv", 50.45, 30.52),
    ("UA", "Kharkiv", 49.99, 36.23),
    ("UA", "Odesa", 46.48, 30.72),
    ("UA", "Kherson", 46.64, 32.61),
    ("UA", "Zaporijia", 47.84, 35.14),
    ("UA", "Dnipro", 48.46, 35.05),
    ("UA", "Lviv", 49.84, 24.03),
    ("US", "Washington", 38.9, -77.04),
    ("US", "New York", 40.71, -74.01),
    ("FR", "Paris", 48.86, 2.35),
    ("GB", "Londres", 51.51, -0.13),
    ("DE", "Berlin", 52.52, 13.4),
    ("TR", "Ankara", 39.93, 32.86),
    ("TR", "Istanbul", 41.01, 28.98),
    ("CN", "Pékin", 39.9, 116.41),
    ("SY", "Damas", 33.51, 36.29),
    ("BY", "Minsk", 53.9, 27.56),
    ("PL", "Varsovie", 52.23, 21.01),
    ("BE", "Bruxelles", 50.85, 4.35),
    ("CH", "Genève", 46.2, 6.14),
    ("IQ", "Bagdad", 33.31, 44.36),
    ("IL", "Jérusalem", 31.77, 35.21),
)
PLACE_KINDS: tuple[tuple[str, str], ...] = (
    ("centre", "centre"),
    ("aérodrome", "airfield"),
    ("port", "port"),
    ("usine", "factory"),
    ("gare", "station"),
    ("base", "base"),
    ("quartier nord", "north district"),
    ("quartier sud", "south district"),
    ("banlieue", "suburbs"),
    ("zone industrielle", "industrial zone"),
    ("ministère", "ministry"),
    ("ambassade", "embassy"),
)
ORGANISATIONS: tuple[tuple[str, str], ...] = (
    ("Ministère de la Défense", "Ministry of Defence"),
    ("Ministère des Affaires étrangères", "Ministry of Foreign Affairs"),
    ("Présidence", "Presidency"),
    ("Conseil de sécurité", "Security Council"),
    ("État-major", "General Staff"),
    ("Service de renseignement", "Intelligence Service"),
    ("Parlement", "Parliament"),
    ("Agence de presse", "News Agency"),
    ("Institut d'études stratégiques", "Institute for Strategic Studies"),
    ("Industries aéronautiques", "Aviation Industries"),
    ("Corps des gardiens", "Guards Corps"),
    ("Commission d'enquête", "Commission of Inquiry"),
)
OUTLETS: tuple[tuple[str, str], ...] = (
    ("Le Courrier de {city}", "The {city} Courier"),
    ("La Gazette de {city}", "The {city} Gazette"),
    ("L'Écho de {city}", "The {city} Echo"),
    ("Radio {city}", "Radio {city}"),
    ("Télévision de {city}", "{city} Television"),
    ("Le Journal de {city}", "The {city} Journal"),
)
ROLES: tuple[str, ...] = (
    "porte-parole",
    "ministre",
    "conseiller",
    "directeur",
    "commandant",
    "ambassadeur",
    "analyste",
    "correspondant",
)
TAGS: tuple[str, ...] = _words(
    """drones missiles sanctions diplomacy ceasefire negotiations energy grain nuclear intelligence
    shahed geran air-defence frontline occupation refugees humanitarian trade exports factories
    elections protests cyber navy black-sea crimea donbas kherson kharkiv tehran moscow kyiv
    un-security-council iaea eu nato g7 brics"""
)
LANGUAGES_SAID: tuple[str, ...] = ("ru", "fa", "uk", "ar", "tr", "de", "zh")
"""Languages a claimant may have spoken in, when the recorded words are a translation."""
