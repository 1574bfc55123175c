namespace Flipkart.Catalog.Domain;

/// <summary>
/// Turns text into search terms: lower-case letter/digit runs with light plural folding, so "phones" finds
/// "phone" and "batteries" finds "battery". Index and query go through the same path, so they always agree.
/// </summary>
public static class TextAnalyzer
{
    public static List<string> Tokenize(string? text)
    {
        var tokens = new List<string>();
        if (string.IsNullOrEmpty(text))
        {
            return tokens;
        }

        Span<char> buffer = stackalloc char[64];
        var length = 0;
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                // Tokens longer than the buffer are truncated: nobody searches for 64-letter words.
                if (length < buffer.Length)
                {
                    buffer[length++] = char.ToLowerInvariant(c);
                }
            }
            else if (length > 0)
            {
                tokens.Add(Fold(buffer[..length]));
                length = 0;
            }
        }
        if (length > 0)
        {
            tokens.Add(Fold(buffer[..length]));
        }
        return tokens;
    }

    private static string Fold(ReadOnlySpan<char> token)
    {
        if (token.Length > 4 && token.EndsWith("ies"))
        {
            return string.Concat(token[..^3], "y");
        }
        if (token.Length > 4 && (token.EndsWith("ches") || token.EndsWith("shes") || token.EndsWith("sses") || token.EndsWith("xes")))
        {
            return token[..^2].ToString();
        }
        if (token.Length > 3 && token[^1] == 's' && token[^2] is not ('s' or 'u' or 'i') && !char.IsDigit(token[^2]))
        {
            return token[..^1].ToString();
        }
        return token.ToString();
    }
}
