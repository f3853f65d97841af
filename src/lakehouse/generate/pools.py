"""Static vocabularies the generator draws realistic values from.

Some entries carry the awkward characters the CSV dialect must survive (contract §2): commas, doubled quotes,
newlines inside quoted fields and non-ASCII letters. They are ordinary valid values, not faults.
"""

from __future__ import annotations

FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hugo", "Ida", "Jonas", "Karla", "Leon", "Mia",
    "Noah", "Olivia", "Paul", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera", "Will", "Xenia", "Yusuf", "Zoë",
    "José", "Anne-Marie", "Robert \"Bob\"", "Chloé", "Søren", "Łukasz", "Mei", "Aarav", "Fatima", "Liam",
)
LAST_NAMES = (
    "Müller", "Schmidt", "Garcia", "Smith", "Rossi", "Dubois", "Novak", "Jansen", "Kowalski", "Silva", "Brown",
    "O'Brien", "Smith, Jr.", "van der Berg", "Nguyen", "Ivanova", "Larsen", "Papadopoulos", "Yilmaz", "Tanaka",
    "Fischer", "Weber", "Martin", "López", "Andersson", "Costa", "Kim", "Patel", "Wright", "Hoffmann",
)
EMAIL_DOMAINS = ("example.com", "mail.example.org", "post.example.net", "shop-mail.example.de")

# (city, country) for customers; a few cities with commas and non-ASCII letters.
CUSTOMER_CITIES = (
    ("Berlin", "DE"), ("Hamburg", "DE"), ("München", "DE"), ("Köln", "DE"), ("Zürich", "CH"), ("Wien", "AT"),
    ("Paris", "FR"), ("Lyon", "FR"), ("Amsterdam", "NL"), ("Madrid", "ES"), ("São Paulo", "BR"),
    ("Washington, D.C.", "US"), ("New York", "US"), ("Toronto", "CA"), ("London", "GB"), ("Kraków", "PL"),
    ("Milano", "IT"), ("København", "DK"), ("Stockholm", "SE"), ("Dublin", "IE"),
)
LOYALTY_WEIGHTS = (50, 30, 15, 5)  # bronze, silver, gold, platinum

CATEGORIES = {
    "Electronics": ("Audio", "Phones", "Accessories", "Computers"),
    "Home": ("Kitchen", "Furniture", "Decor", "Garden"),
    "Apparel": ("Men", "Women", "Kids", "Shoes"),
    "Grocery": ("Snacks", "Beverages", "Pantry"),
    "Sports": ("Outdoor", "Fitness", "Cycling"),
    "Beauty": ("Skincare", "Fragrance", "Hair"),
    "Toys": ("Games", "Puzzles", "Plush"),
}
PRODUCT_NOUNS = {
    "Electronics": ("Headphones", "Speaker", "Charger", "Phone Case", "27\" Monitor", "Keyboard", "Cable"),
    "Home": ("Chair, oak", "Frying Pan", "Lamp", "Vase", "Cushion", "Kettle", "Plant Pot"),
    "Apparel": ("T-Shirt", "Jeans", "Jacket", "Sneakers", "Scarf", "Socks (3-pack)"),
    "Grocery": ("Coffee Beans", "Dark Chocolate", "Olive Oil", "Green Tea", "Pasta", "Crisps"),
    "Sports": ("Yoga Mat", "Water Bottle", "Bike Light", "Dumbbell", "Tent"),
    "Beauty": ("Face Cream", "Eau de Parfum", "Shampoo", "Lip Balm"),
    "Toys": ("Board Game", "Puzzle 1000 pcs", "Teddy Bear", "Building Blocks"),
}
ADJECTIVES = ("Classic", "Eco", "Premium", "Compact", "Deluxe", "Basic", "Pro", "Mini", "Smart", "Organic")
# Names with a newline inside a quoted field (§2): a second line as a shop label would carry.
MULTILINE_PRODUCT_SUFFIX = "\nLimited edition"

STORE_REGIONS = ("North", "South", "East", "West", "Central")
# (city, country, region) for physical stores.
STORE_CITIES = (
    ("Berlin", "DE", "North"), ("Hamburg", "DE", "North"), ("München", "DE", "South"), ("Köln", "DE", "West"),
    ("Frankfurt", "DE", "Central"), ("Zürich", "CH", "South"), ("Wien", "AT", "East"), ("Paris", "FR", "West"),
    ("Lyon", "FR", "South"), ("Amsterdam", "NL", "West"), ("Kraków", "PL", "East"), ("Milano", "IT", "South"),
    ("København", "DK", "North"), ("Praha", "CZ", "East"), ("Bruxelles", "BE", "West"), ("Leipzig", "DE", "Central"),
)
STORE_NAME_STYLES = {
    "flagship": ("Flagship \"{city}\"", "{city} Flagship, Old Town"),
    "standard": ("{city} Mitte", "{city} Hauptbahnhof", "{city} Main Street\nUnit 4", "{city} Mall",
                 "{city} Park, Level 2"),
    "outlet": ("Outlet, {city} Airport", "{city} Outlet Center"),
}
AWKWARD_STORE_NAMES = (("flagship", 0), ("standard", 2), ("outlet", 0))  # (type, style index) of S001-S003
