using System.Buffers;
using System.Collections.Frozen;

namespace Flipkart.Catalog.Domain;

/// <summary>
/// An immutable, in-memory search index over the whole catalog. Text relevance is BM25F: per-field term
/// frequencies are length-normalised, weighted (title over brand over description), saturated with k1 and
/// multiplied by the term's IDF. All of that is folded into one precomputed weight per posting at build
/// time, so a query only sums floats along each term's postings list. Filters and facets run over
/// struct-of-arrays columns, never over product objects. Changes build a new index and swap it in.
/// </summary>
public sealed class ProductSearchIndex
{
    private const float K1 = 1.2f;

    private static readonly FieldSpec[] Fields =
    [
        new(p => p.Title, Weight: 3.0f, B: 0.75f),
        new(p => p.Brand, Weight: 2.0f, B: 0.0f),
        new(p => p.Description, Weight: 1.0f, B: 0.75f),
    ];

    private readonly Product[] products;
    private readonly FrozenDictionary<string, int> positionById;
    private readonly Dictionary<string, int> vocabulary;
    private readonly DocTerms[] docTerms;
    private readonly Posting[][] postings;
    private readonly Dictionary<ProductSort, int[]> sortedBy;
    private readonly decimal[] prices;
    private readonly double[] ratings;
    private readonly int[] ratingCounts;
    private readonly long[] createdTicks;
    private readonly int[] brandOf;
    private readonly int[] categoryOf;
    private readonly string[] brandNames;
    private readonly FrozenDictionary<string, int> brandIdByName;
    private readonly Category[] categories;
    private readonly FrozenDictionary<string, int> categoryIdBySlug;

    private ProductSearchIndex(IReadOnlyList<Product> source, IReadOnlyList<Category> knownCategories, ProductSearchIndex? previous = null)
    {
        // Ordinal id order makes every tie-break (and so every page) deterministic.
        products = source.OrderBy(p => p.Id, StringComparer.Ordinal).ToArray();
        var n = products.Length;
        positionById = products.Select((p, i) => (p.Id, i)).ToFrozenDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);

        categories = knownCategories
            .Concat(products.Select(p => p.CategoryId).Distinct().Where(id => knownCategories.All(c => c.Id != id)).Select(id => new Category(id, id)))
            .ToArray();
        categoryIdBySlug = categories.Select((c, i) => (c.Id, i)).ToFrozenDictionary(x => x.Id, x => x.i, StringComparer.OrdinalIgnoreCase);

        brandNames = products.Select(p => p.Brand).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).ToArray();
        brandIdByName = brandNames.Select((b, i) => (b, i)).ToFrozenDictionary(x => x.b, x => x.i, StringComparer.OrdinalIgnoreCase);

        prices = new decimal[n];
        ratings = new double[n];
        ratingCounts = new int[n];
        createdTicks = new long[n];
        brandOf = new int[n];
        categoryOf = new int[n];
        for (var i = 0; i < n; i++)
        {
            var p = products[i];
            prices[i] = p.Price;
            ratings[i] = p.Rating;
            ratingCounts[i] = p.RatingCount;
            createdTicks[i] = p.CreatedAt.UtcTicks;
            brandOf[i] = brandIdByName[p.Brand];
            categoryOf[i] = categoryIdBySlug[p.CategoryId];
        }

        // Reuse the previous index's analysis for unchanged products: a one-product edit re-tokenises one product.
        vocabulary = previous is null ? new Dictionary<string, int>(StringComparer.Ordinal) : new Dictionary<string, int>(previous.vocabulary, StringComparer.Ordinal);
        docTerms = new DocTerms[n];
        var scratch = new Dictionary<int, int>();
        for (var i = 0; i < n; i++)
        {
            docTerms[i] = previous is not null && previous.positionById.TryGetValue(products[i].Id, out var old) && (ReferenceEquals(previous.products[old], products[i]) || previous.products[old].HasSameListing(products[i]))
                ? previous.docTerms[old]
                : Analyze(products[i], vocabulary, scratch);
        }
        postings = BuildPostings(docTerms, vocabulary.Count);

        // Presorted orders let unfiltered listings page through 10k products without sorting them per request.
        sortedBy = new Dictionary<ProductSort, int[]>();
        foreach (var sort in Enum.GetValues<ProductSort>())
        {
            var order = Enumerable.Range(0, n).ToArray();
            Array.Sort(order, Comparer(sort, scores: null));
            sortedBy[sort] = order;
        }
    }

    public static ProductSearchIndex Empty { get; } = new([], []);

    public static ProductSearchIndex Build(IReadOnlyList<Product> products, IReadOnlyList<Category> categories) => new(products, categories);

    /// <summary>A new index over <paramref name="products"/>, reusing this one's analysis of unchanged products.</summary>
    public ProductSearchIndex Rebuild(IReadOnlyList<Product> products) => new(products, categories, this);

    /// <summary>True when <paramref name="products"/> lists exactly the products this index holds.</summary>
    public bool HasSameProducts(IReadOnlyList<Product> products) =>
        products.Count == this.products.Length
        && products.All(p => positionById.TryGetValue(p.Id, out var i) && this.products[i].HasSameListing(p));

    public int Count => products.Length;

    public IReadOnlyList<Product> Products => products;

    public IReadOnlyList<Category> KnownCategories => categories;

    public Product? Find(string id) => positionById.TryGetValue(id, out var i) ? products[i] : null;

    public bool Contains(string id) => positionById.ContainsKey(id);

    public bool HasCategory(string id) => categoryIdBySlug.ContainsKey(id);

    /// <summary>A new index with <paramref name="changed"/> added or replacing the product with its id.</summary>
    public ProductSearchIndex With(Product changed)
    {
        var next = new List<Product>(products.Length + 1);
        next.AddRange(products.Where(p => p.Id != changed.Id));
        next.Add(changed);
        return new ProductSearchIndex(next, categories, this);
    }

    public IReadOnlyList<CategorySummary> CategorySummaries()
    {
        var counts = new int[categories.Length];
        foreach (var c in categoryOf)
        {
            counts[c]++;
        }
        return categories.Select((c, i) => new CategorySummary(c.Id, c.Name, counts[i])).ToArray();
    }

    public SearchResult Search(SearchQuery query)
    {
        var terms = TextAnalyzer.Tokenize(query.Text).Distinct().ToArray();
        if (terms.Length == 0)
        {
            // No text: walk the presorted order, so results come out ordered without a sort.
            return Collect(query, sortedBy[query.Sort], scores: null, matchedAll: true, presorted: true);
        }

        var scores = ArrayPool<float>.Shared.Rent(Math.Max(products.Length, 1));
        var (candidates, count, matchedAll) = ScoreTerms(terms, scores);
        try
        {
            return Collect(query, candidates.AsSpan(0, count), scores, matchedAll, presorted: false);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(candidates);
            ArrayPool<float>.Shared.Return(scores);
        }
    }

    private (int[] Candidates, int Count, bool MatchedAll) ScoreTerms(string[] terms, float[] scores)
    {
        var n = products.Length;
        var hits = ArrayPool<byte>.Shared.Rent(Math.Max(n, 1));
        var touched = ArrayPool<int>.Shared.Rent(Math.Max(n, 1));
        try
        {
            Array.Clear(hits, 0, n);
            var touchedCount = 0;
            foreach (var term in terms)
            {
                if (!vocabulary.TryGetValue(term, out var termId))
                {
                    continue;
                }
                foreach (var posting in postings[termId])
                {
                    if (hits[posting.Doc] == 0)
                    {
                        touched[touchedCount++] = posting.Doc;
                        scores[posting.Doc] = 0;
                    }
                    hits[posting.Doc]++;
                    scores[posting.Doc] += posting.Weight;
                }
            }

            // AND semantics first; if no product holds every term, fall back to any term (OR).
            var required = (byte)Math.Min(terms.Length, byte.MaxValue);
            var candidates = ArrayPool<int>.Shared.Rent(Math.Max(touchedCount, 1));
            var count = 0;
            for (var i = 0; i < touchedCount; i++)
            {
                if (hits[touched[i]] >= required)
                {
                    candidates[count++] = touched[i];
                }
            }
            if (count > 0 || touchedCount == 0)
            {
                return (candidates, count, true);
            }
            Array.Copy(touched, candidates, touchedCount);
            return (candidates, touchedCount, false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(hits);
            ArrayPool<int>.Shared.Return(touched);
        }
    }

    private SearchResult Collect(SearchQuery query, ReadOnlySpan<int> candidates, float[]? scores, bool matchedAll, bool presorted)
    {
        int? categoryFilter = null;
        if (query.CategoryId is not null)
        {
            // An unknown category matches nothing rather than being ignored.
            categoryFilter = categoryIdBySlug.TryGetValue(query.CategoryId, out var c) ? c : -1;
        }
        HashSet<int>? brandFilter = null;
        if (query.Brands is { Count: > 0 })
        {
            brandFilter = query.Brands.Select(b => brandIdByName.TryGetValue(b, out var id) ? id : -1).ToHashSet();
        }

        // Disjunctive facets: each facet counts hits under every filter except its own, so the shopper
        // still sees the other brands (categories) they could switch to.
        var brandCounts = new int[brandNames.Length];
        var categoryCounts = new int[categories.Length];
        var matches = new List<int>();
        foreach (var doc in candidates)
        {
            if (!PassesRangeFilters(doc, query))
            {
                continue;
            }
            var brandOk = brandFilter is null || brandFilter.Contains(brandOf[doc]);
            var categoryOk = categoryFilter is null || categoryOf[doc] == categoryFilter;
            if (categoryOk)
            {
                brandCounts[brandOf[doc]]++;
            }
            if (brandOk)
            {
                categoryCounts[categoryOf[doc]]++;
            }
            if (brandOk && categoryOk)
            {
                matches.Add(doc);
            }
        }

        var ordered = matches.ToArray();
        if (!presorted)
        {
            Array.Sort(ordered, Comparer(query.Sort, scores));
        }
        var skip = (long)(query.Page - 1) * query.PageSize;
        var items = skip >= ordered.Length
            ? []
            : ordered.Skip((int)skip).Take(query.PageSize).Select(i => products[i]).ToArray();

        var facets = new SearchFacets(
            TopFacets(brandCounts, i => brandNames[i], i => brandNames[i]),
            TopFacets(categoryCounts, i => categories[i].Id, i => categories[i].Name));
        return new SearchResult(items, ordered.Length, query.Page, query.PageSize, matchedAll, facets);
    }

    private bool PassesRangeFilters(int doc, SearchQuery query) =>
        (query.MinPrice is not { } min || prices[doc] >= min)
        && (query.MaxPrice is not { } max || prices[doc] <= max)
        && (query.MinRating is not { } rating || ratings[doc] >= rating);

    private Comparison<int> Comparer(ProductSort sort, float[]? scores) => sort switch
    {
        ProductSort.PriceAsc => (a, b) => Tie(prices[a].CompareTo(prices[b]), a, b),
        ProductSort.PriceDesc => (a, b) => Tie(prices[b].CompareTo(prices[a]), a, b),
        ProductSort.Rating => (a, b) => Tie(ratings[b].CompareTo(ratings[a]) is var r and not 0 ? r : ratingCounts[b].CompareTo(ratingCounts[a]), a, b),
        ProductSort.Newest => (a, b) => Tie(createdTicks[b].CompareTo(createdTicks[a]), a, b),
        // Without text, relevance means popularity: the most-reviewed products first.
        _ when scores is null => (a, b) => Tie(ratingCounts[b].CompareTo(ratingCounts[a]), a, b),
        _ => (a, b) => Tie(scores[b].CompareTo(scores[a]) is var s and not 0 ? s : ratingCounts[b].CompareTo(ratingCounts[a]), a, b),
    };

    private static int Tie(int primary, int a, int b) => primary != 0 ? primary : a.CompareTo(b);

    private static FacetValue[] TopFacets(int[] counts, Func<int, string> value, Func<int, string> label) =>
        Enumerable.Range(0, counts.Length)
            .Where(i => counts[i] > 0)
            .OrderByDescending(i => counts[i]).ThenBy(i => label(i), StringComparer.OrdinalIgnoreCase)
            .Take(50)
            .Select(i => new FacetValue(value(i), label(i), counts[i]))
            .ToArray();

    /// <summary>Tokenises one product: per-term counts in each field, plus field lengths.</summary>
    private static DocTerms Analyze(Product product, Dictionary<string, int> vocabulary, Dictionary<int, int> scratch)
    {
        scratch.Clear();
        var counts = new List<FieldCounts>();
        var lengths = new int[Fields.Length];
        for (var f = 0; f < Fields.Length; f++)
        {
            var tokens = TextAnalyzer.Tokenize(Fields[f].Text(product));
            lengths[f] = tokens.Count;
            foreach (var token in tokens)
            {
                if (!vocabulary.TryGetValue(token, out var termId))
                {
                    vocabulary[token] = termId = vocabulary.Count;
                }
                if (!scratch.TryGetValue(termId, out var slot))
                {
                    scratch[termId] = slot = counts.Count;
                    counts.Add(new FieldCounts(termId, new int[Fields.Length]));
                }
                counts[slot].Counts[f]++;
            }
        }
        return new DocTerms(counts.ToArray(), lengths);
    }

    /// <summary>
    /// BM25F over cached per-document term counts: only the weights are recomputed on a rebuild, because
    /// average field lengths and IDF shift whenever any product changes.
    /// </summary>
    private static Posting[][] BuildPostings(DocTerms[] docs, int termCount)
    {
        var n = docs.Length;
        var averageLengths = new float[Fields.Length];
        var df = new int[termCount];
        foreach (var doc in docs)
        {
            for (var f = 0; f < Fields.Length; f++)
            {
                averageLengths[f] += doc.Lengths[f];
            }
            foreach (var term in doc.Terms)
            {
                df[term.TermId]++;
            }
        }
        for (var f = 0; f < Fields.Length; f++)
        {
            averageLengths[f] = n == 0 ? 1 : Math.Max(1f, averageLengths[f] / n);
        }

        var postings = new Posting[termCount][];
        var idf = new float[termCount];
        for (var t = 0; t < termCount; t++)
        {
            postings[t] = df[t] == 0 ? [] : new Posting[df[t]];
            idf[t] = (float)Math.Log(1 + (n - df[t] + 0.5) / (df[t] + 0.5));
        }

        var fill = new int[termCount];
        Span<float> norms = stackalloc float[Fields.Length];
        for (var d = 0; d < n; d++)
        {
            var doc = docs[d];
            for (var f = 0; f < Fields.Length; f++)
            {
                norms[f] = 1 - Fields[f].B + Fields[f].B * doc.Lengths[f] / averageLengths[f];
            }
            foreach (var term in doc.Terms)
            {
                var tf = 0f;
                for (var f = 0; f < Fields.Length; f++)
                {
                    tf += Fields[f].Weight * term.Counts[f] / norms[f];
                }
                postings[term.TermId][fill[term.TermId]++] = new Posting(d, idf[term.TermId] * tf * (K1 + 1) / (tf + K1));
            }
        }
        return postings;
    }

    private sealed record DocTerms(FieldCounts[] Terms, int[] Lengths);

    private sealed record FieldCounts(int TermId, int[] Counts);

    private readonly record struct Posting(int Doc, float Weight);

    private sealed record FieldSpec(Func<Product, string> Text, float Weight, float B);
}
