namespace Flipkart.Catalog.Domain;

/// <summary>
/// A deterministic generator of a realistic Indian catalog: the same seed always yields the same products,
/// ids and prices, on every machine and runtime (it uses its own SplitMix64, not System.Random).
/// </summary>
public static class CatalogSeed
{
    public const int DefaultProductCount = 10_000;
    public const ulong DefaultSeed = 0x464C_4950_4B41_5254; // "FLIPKART"

    private static readonly DateTimeOffset Epoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Colours = ["Black", "Blue", "Midnight Blue", "Silver", "White", "Green", "Red", "Grey", "Gold", "Purple"];
    private static readonly string[] Series = ["Neo", "Pro", "Max", "Lite", "Prime", "Ultra", "Plus", "Edge", "Note", "Power", "Nova", "Air", "Core", "Vibe"];
    private static readonly string[] Promises = ["Ships in 2 days.", "7-day replacement.", "1 year manufacturer warranty.", "Cash on delivery available.", "No-cost EMI available.", "Top rated by buyers."];

    private static readonly CategoryTemplate[] Templates =
    [
        new("mobiles", "Mobiles", "MOB", ["Samsung", "Xiaomi", "Redmi", "Realme", "OnePlus", "Vivo", "Oppo", "Motorola", "Apple", "Nothing", "iQOO", "POCO", "Lava"],
            ["Smartphone", "5G Smartphone", "Mobile Phone"], 6_999, 149_999, "mobile phone with a fast charger in the box",
            [A("RAM", "4 GB", "6 GB", "8 GB", "12 GB"), A("Storage", "64 GB", "128 GB", "256 GB", "512 GB"), A("Colour", Colours), A("Display", "6.5 inch", "6.6 inch", "6.7 inch", "6.78 inch"), A("Battery", "5000 mAh", "5500 mAh", "6000 mAh"), A("Network", "5G", "4G")], ["Colour", "Storage"]),
        new("laptops", "Laptops", "LAP", ["HP", "Dell", "Lenovo", "ASUS", "Acer", "Apple", "MSI", "Samsung", "Infinix"],
            ["Thin and Light Laptop", "Gaming Laptop", "Business Laptop", "2 in 1 Laptop"], 24_999, 249_999, "notebook computer for work, study and play",
            [A("Processor", "Intel Core i3 13th Gen", "Intel Core i5 13th Gen", "Intel Core i7 13th Gen", "AMD Ryzen 5 7530U", "AMD Ryzen 7 7735HS", "Apple M3"), A("RAM", "8 GB", "16 GB", "32 GB"), A("SSD", "512 GB", "1 TB"), A("Display", "14 inch", "15.6 inch", "16 inch"), A("OS", "Windows 11 Home", "macOS")], ["Processor", "RAM", "SSD"]),
        new("televisions", "Televisions", "TVS", ["Samsung", "LG", "Sony", "Xiaomi", "TCL", "OnePlus", "Vu", "Thomson", "Acer"],
            ["Smart TV", "Smart Google TV", "QLED Smart TV", "OLED TV"], 9_999, 199_999, "television with streaming apps and Dolby Audio",
            [A("Screen Size", "32 inch", "43 inch", "50 inch", "55 inch", "65 inch", "75 inch"), A("Resolution", "HD Ready", "Full HD", "4K Ultra HD"), A("Refresh Rate", "60 Hz", "120 Hz")], ["Screen Size", "Resolution"]),
        new("audio", "Headphones & Earbuds", "AUD", ["boAt", "Noise", "JBL", "Sony", "OnePlus", "Realme", "Boult", "pTron", "Skullcandy", "Sennheiser"],
            ["True Wireless Earbuds", "Bluetooth Headphones", "Bluetooth Neckband", "Wired Earphones"], 499, 29_999, "audio with deep bass and a low-latency gaming mode",
            [A("Colour", Colours), A("Playback", "20 hours", "30 hours", "40 hours", "50 hours"), A("Noise Cancellation", "Active", "Environmental", "None")], ["Colour"]),
        new("smartwatches", "Smartwatches", "SWT", ["Noise", "boAt", "Fire-Boltt", "Fastrack", "Samsung", "Apple", "Amazfit", "Titan", "Realme"],
            ["Smartwatch", "Bluetooth Calling Smartwatch", "Fitness Band"], 1_299, 49_999, "wearable with heart-rate, SpO2 and sleep tracking",
            [A("Strap Colour", Colours), A("Display", "1.39 inch", "1.69 inch", "1.85 inch", "1.96 inch AMOLED"), A("Battery Life", "5 days", "7 days", "10 days")], ["Strap Colour"]),
        new("tablets", "Tablets", "TAB", ["Apple", "Samsung", "Lenovo", "Xiaomi", "Realme", "OnePlus", "Honor"],
            ["Tablet", "WiFi Tablet", "LTE Tablet"], 8_999, 99_999, "tablet for streaming, notes and online classes",
            [A("Storage", "64 GB", "128 GB", "256 GB"), A("RAM", "4 GB", "6 GB", "8 GB"), A("Display", "8.7 inch", "10.61 inch", "11 inch", "12.4 inch"), A("Colour", Colours)], ["RAM", "Storage"]),
        new("cameras", "Cameras", "CAM", ["Canon", "Nikon", "Sony", "Fujifilm", "GoPro", "Panasonic"],
            ["DSLR Camera", "Mirrorless Camera", "Action Camera", "Instant Camera"], 5_999, 249_999, "camera for travel and creators",
            [A("Sensor", "APS-C", "Full Frame", "1 inch"), A("Resolution", "24.2 MP", "26 MP", "33 MP", "45 MP"), A("Video", "4K 30fps", "4K 60fps", "Full HD")], ["Resolution"]),
        new("refrigerators", "Refrigerators", "REF", ["LG", "Samsung", "Whirlpool", "Godrej", "Haier", "Panasonic", "Voltas Beko"],
            ["Single Door Refrigerator", "Double Door Refrigerator", "Side by Side Refrigerator", "Triple Door Refrigerator"], 12_999, 119_999, "fridge with inverter compressor and stabiliser-free operation",
            [A("Capacity", "190 L", "240 L", "308 L", "360 L", "580 L"), A("Energy Rating", "2 Star", "3 Star", "4 Star", "5 Star"), A("Colour", "Steel", "Black", "Blue Floral", "Wine")], ["Capacity", "Energy Rating"]),
        new("washing-machines", "Washing Machines", "WSM", ["LG", "Samsung", "IFB", "Whirlpool", "Bosch", "Godrej", "Haier"],
            ["Fully Automatic Front Load Washing Machine", "Fully Automatic Top Load Washing Machine", "Semi Automatic Washing Machine"], 9_999, 64_999, "washer with in-built heater and quick wash",
            [A("Capacity", "6 kg", "7 kg", "8 kg", "9 kg", "10 kg"), A("Energy Rating", "3 Star", "4 Star", "5 Star")], ["Capacity"]),
        new("air-conditioners", "Air Conditioners", "ACS", ["Voltas", "LG", "Daikin", "Blue Star", "Lloyd", "Carrier", "Hitachi", "Panasonic"],
            ["Split Inverter AC", "Window AC", "Convertible 5 in 1 Split AC"], 25_999, 74_999, "air conditioner with copper condenser for Indian summers",
            [A("Capacity", "1 Ton", "1.5 Ton", "2 Ton"), A("Energy Rating", "3 Star", "5 Star")], ["Capacity", "Energy Rating"]),
        new("kitchen-appliances", "Kitchen Appliances", "KIT", ["Prestige", "Bajaj", "Philips", "Pigeon", "Butterfly", "Havells", "Morphy Richards", "Usha", "Preethi"],
            ["Mixer Grinder", "Induction Cooktop", "Electric Kettle", "Air Fryer", "Pressure Cooker", "Sandwich Maker"], 499, 14_999, "kitchen appliance built for everyday Indian cooking",
            [A("Power", "500 W", "750 W", "1000 W", "1500 W", "2000 W"), A("Colour", "White", "Black", "Red", "Silver"), A("Warranty", "1 year", "2 years", "5 years on motor")], ["Power"]),
        new("mens-clothing", "Men's Clothing", "MCL", ["Fabindia", "Allen Solly", "Peter England", "Van Heusen", "Louis Philippe", "Raymond", "Levi's", "Roadster", "Manyavar", "U.S. Polo Assn."],
            ["Cotton Kurta", "Slim Fit Shirt", "Regular Fit Jeans", "Polo T-Shirt", "Nehru Jacket", "Chinos"], 399, 4_999, "menswear in breathable fabric",
            [A("Size", "S", "M", "L", "XL", "XXL"), A("Fabric", "Cotton", "Linen", "Cotton Blend", "Denim", "Khadi"), A("Colour", Colours)], ["Colour", "Size"]),
        new("womens-ethnic", "Women's Ethnic Wear", "WET", ["Fabindia", "Biba", "W", "Aurelia", "Libas", "Global Desi", "Soch", "Nalli"],
            ["Cotton Kurti", "Anarkali Kurta Set", "Banarasi Silk Saree", "Chanderi Dupatta", "Lehenga Choli", "Palazzo Set"], 499, 19_999, "ethnic wear for festive and daily wear",
            [A("Size", "XS", "S", "M", "L", "XL", "Free Size"), A("Fabric", "Cotton", "Silk", "Rayon", "Georgette", "Chanderi"), A("Colour", "Maroon", "Mustard", "Indigo", "Pink", "Teal", "Off White")], ["Colour", "Size"]),
        new("footwear", "Footwear", "FTW", ["Bata", "Woodland", "Red Tape", "Campus", "Sparx", "Puma", "Adidas", "Nike", "Liberty", "Metro"],
            ["Running Shoes", "Sneakers", "Formal Shoes", "Sandals", "Flip Flops", "Trekking Shoes"], 499, 12_999, "footwear with cushioned sole",
            [A("Size (UK)", "6", "7", "8", "9", "10", "11"), A("Colour", Colours), A("Material", "Mesh", "Leather", "Synthetic", "Canvas")], ["Colour", "Size (UK)"]),
        new("watches", "Watches", "WAT", ["Titan", "Fastrack", "Sonata", "Casio", "Timex", "Fossil", "HMT"],
            ["Analog Watch", "Chronograph Watch", "Digital Watch", "Analog-Digital Watch"], 799, 29_999, "wrist watch with water resistance",
            [A("Dial Colour", Colours), A("Strap", "Leather", "Stainless Steel", "Silicone", "Mesh"), A("Water Resistance", "30 m", "50 m", "100 m")], ["Dial Colour"]),
        new("furniture", "Furniture", "FUR", ["Godrej Interio", "Nilkamal", "Wakefit", "Sleepyhead", "Durian", "Urban Ladder"],
            ["3 Seater Sofa", "Ergonomic Office Chair", "Study Table", "Queen Size Bed", "Orthopaedic Mattress", "Bookshelf"], 1_999, 79_999, "furniture for the Indian home, delivered and installed",
            [A("Material", "Engineered Wood", "Sheesham Wood", "Metal", "Fabric", "Memory Foam"), A("Colour", "Walnut", "Teak", "Grey", "Beige", "Black")], ["Material"]),
        new("home-furnishing", "Home Furnishing", "HFN", ["Home Centre", "Story@Home", "Solimo", "Jaipur Rugs", "Bombay Dyeing", "Spaces", "Portico"],
            ["Double Bedsheet with 2 Pillow Covers", "Door Curtains", "Cotton Rug", "Wall Clock", "Cushion Covers", "Comforter"], 299, 9_999, "home decor in fade-resistant colours",
            [A("Material", "Cotton", "Polyester", "Microfibre", "Jute"), A("Colour", "Indigo", "Beige", "Floral Print", "Geometric Print", "Grey"), A("Thread Count", "144", "180", "210", "300")], ["Colour"]),
        new("staples", "Grocery Staples", "STP", ["Tata Sampann", "Aashirvaad", "Fortune", "India Gate", "Daawat", "Saffola", "Patanjali", "24 Mantra Organic", "Catch", "MDH", "Everest"],
            ["Basmati Rice", "Whole Wheat Atta", "Toor Dal", "Sunflower Oil", "Garam Masala", "Moong Dal", "Rock Salt"], 45, 1_999, "grocery pantry staple, sealed for freshness",
            [A("Pack Size", "200 g", "500 g", "1 kg", "5 kg", "1 L", "5 L"), A("Type", "Regular", "Organic", "Premium")], ["Pack Size"]),
        new("dairy-beverages", "Dairy & Beverages", "DAB", ["Amul", "Mother Dairy", "Nestle", "Tata Tea", "Brooke Bond", "Bru", "Nescafe", "Paper Boat", "Britannia"],
            ["Pure Ghee", "Salted Butter", "Cheese Slices", "Premium Tea", "Instant Coffee", "Mango Drink", "Paneer"], 30, 1_299, "dairy and beverage favourite of Indian households",
            [A("Pack Size", "100 g", "200 g", "500 g", "1 kg", "1 L", "250 ml"), A("Pack Of", "1", "2", "4")], ["Pack Size"]),
        new("beauty", "Beauty & Personal Care", "BPC", ["Lakme", "Himalaya", "Mamaearth", "Biotique", "Nivea", "Dove", "Forest Essentials", "Lotus Herbals", "Plum", "The Derma Co"],
            ["Face Wash", "Sunscreen SPF 50", "Moisturiser", "Shampoo", "Kajal", "Matte Lipstick", "Hair Oil"], 99, 3_999, "personal care, dermatologically tested",
            [A("Quantity", "50 ml", "100 ml", "200 ml", "400 ml", "3 g"), A("Skin Type", "All", "Oily", "Dry", "Sensitive")], ["Quantity"]),
        new("books", "Books", "BOK", ["Penguin Random House India", "HarperCollins India", "Rupa Publications", "Westland", "Arihant", "S. Chand", "Bloomsbury India"],
            ["Novel", "Biography", "Exam Guide", "Children's Book", "History of India", "Self-Help Book"], 99, 1_499, "book, printed in India",
            [A("Language", "English", "Hindi", "Tamil", "Marathi", "Bengali"), A("Binding", "Paperback", "Hardcover"), A("Pages", "160", "240", "320", "480", "640")], ["Language", "Binding"]),
        new("toys", "Toys & Games", "TOY", ["Funskool", "Hot Wheels", "LEGO", "Mattel", "Hasbro", "Fisher-Price", "Toyzone"],
            ["Building Blocks Set", "Die-Cast Car", "Board Game", "Remote Control Car", "Soft Toy", "Puzzle"], 199, 9_999, "toy for kids, tested for safety",
            [A("Age", "3+ years", "5+ years", "8+ years", "12+ years"), A("Pieces", "24", "100", "250", "500", "1000")], ["Age"]),
        new("sports-fitness", "Sports & Fitness", "SPF", ["Nivia", "Cosco", "SG", "SS", "Yonex", "Boldfit", "Strauss", "Lifelong"],
            ["English Willow Cricket Bat", "Football", "Badminton Racquet", "Yoga Mat", "Dumbbell Set", "Skipping Rope"], 199, 14_999, "sports gear for training and match day",
            [A("Size", "Small", "Medium", "Large", "5", "6"), A("Colour", Colours), A("Weight", "500 g", "1 kg", "5 kg", "10 kg")], ["Size"]),
        new("bags-luggage", "Bags & Luggage", "BAG", ["American Tourister", "Safari", "VIP", "Skybags", "Wildcraft", "Aristocrat", "Mokobara"],
            ["Cabin Trolley Bag", "Check-in Trolley Bag", "Laptop Backpack", "Duffel Bag", "Sling Bag"], 699, 14_999, "bag with TSA lock and water-resistant fabric",
            [A("Capacity", "20 L", "32 L", "45 L", "55 cm", "69 cm", "79 cm"), A("Colour", Colours)], ["Colour", "Capacity"]),
        new("mobile-accessories", "Mobile Accessories", "ACC", ["Ambrane", "Mi", "Portronics", "boAt", "Anker", "Belkin", "Stuffcool", "Spigen"],
            ["20000 mAh Power Bank", "65W Fast Charger", "Type-C to Type-C Cable", "Back Cover", "Tempered Glass", "Car Charger"], 149, 4_999, "accessory for your phone, BIS certified",
            [A("Colour", Colours), A("Compatible With", "Android", "iPhone", "Universal")], ["Colour"]),
    ];

    public static IReadOnlyList<Category> Categories { get; } = Templates.Select(t => new Category(t.Id, t.Name)).ToArray();

    /// <summary>Products are dealt round-robin across categories, so any count gives every category a fair share.</summary>
    public static IEnumerable<Product> Generate(int count = DefaultProductCount, ulong seed = DefaultSeed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new SplitMix64(seed);
        var perCategory = new int[Templates.Length];
        for (var i = 0; i < count; i++)
        {
            var slot = i % Templates.Length;
            var sequence = ++perCategory[slot];
            yield return Create(Templates[slot], sequence, random);
        }
    }

    private static Product Create(CategoryTemplate t, int sequence, SplitMix64 random)
    {
        var id = $"{t.Code}{sequence:D6}";
        var brand = random.Pick(t.Brands);
        var noun = random.Pick(t.Nouns);
        var model = $"{random.Pick(Series)} {random.Next(2, 99)}";
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var attribute in t.Attributes)
        {
            attributes[attribute.Name] = random.Pick(attribute.Values);
        }

        var variant = string.Join(", ", t.TitleAttributes.Select(a => attributes[a]));
        var title = $"{brand} {model} {noun} ({variant})";
        var specs = string.Join(", ", attributes.Take(3).Select(kv => $"{kv.Value} {kv.Key.ToLowerInvariant()}"));
        var description = $"{brand} {noun}: {t.Blurb}. {specs}. {random.Pick(Promises)}";

        var price = RoundPrice(LogUniform(random, t.MinPrice, t.MaxPrice));
        var discount = random.Next(0, 61) / 100m;
        var mrp = Math.Max(price, RoundPrice(price / (1 - discount)));
        // Ratings skew high, as on every marketplace; review counts are heavy-tailed.
        var rating = Math.Round(2.8 + 2.2 * Math.Sqrt(random.NextDouble()), 1);
        var ratingCount = (int)Math.Pow(10, random.NextDouble() * 4.7);
        var createdAt = Epoch.AddMinutes(random.Next(0, 700 * 24 * 60));

        return new Product(id, title, brand, t.Id, description, price, mrp, Math.Min(5.0, rating), ratingCount,
            $"https://images.example.com/catalog/{id}.webp", attributes, createdAt);
    }

    private static decimal LogUniform(SplitMix64 random, decimal min, decimal max)
    {
        var lo = Math.Log((double)min);
        var hi = Math.Log((double)max);
        return (decimal)Math.Exp(lo + (hi - lo) * random.NextDouble());
    }

    // Indian retail price points: ₹x99 above a thousand, ₹x9 below, whole rupees under a hundred.
    private static decimal RoundPrice(decimal raw) => raw switch
    {
        >= 1_000m => Math.Ceiling(raw / 100m) * 100m - 1m,
        >= 100m => Math.Ceiling(raw / 10m) * 10m - 1m,
        _ => Math.Ceiling(raw),
    };

    private static AttributeChoice A(string name, params string[] values) => new(name, values);

    private sealed record AttributeChoice(string Name, string[] Values);

    private sealed record CategoryTemplate(
        string Id, string Name, string Code, string[] Brands, string[] Nouns, decimal MinPrice, decimal MaxPrice, string Blurb,
        AttributeChoice[] Attributes, string[] TitleAttributes);

    /// <summary>SplitMix64: tiny, fast and fully specified, so the sequence never changes under us.</summary>
    private sealed class SplitMix64(ulong state)
    {
        public ulong NextUInt64()
        {
            var z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

        public int Next(int minInclusive, int maxExclusive) => minInclusive + (int)(NextUInt64() % (ulong)(maxExclusive - minInclusive));

        public T Pick<T>(T[] items) => items[Next(0, items.Length)];
    }
}
