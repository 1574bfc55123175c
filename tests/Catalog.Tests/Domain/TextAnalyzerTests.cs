using Flipkart.Catalog.Domain;
using Flipkart.Testing;

namespace Flipkart.Catalog.Tests.Domain;

[Unit]
public class TextAnalyzerTests
{
    [Theory]
    [InlineData("Samsung Galaxy M35 5G", new[] { "samsung", "galaxy", "m35", "5g" })]
    [InlineData("boAt Airdopes, 141!", new[] { "boat", "airdope", "141" })]
    [InlineData("phones batteries watches glass bus", new[] { "phone", "battery", "watch", "glass", "bus" })]
    [InlineData("  ", new string[0])]
    public void Tokenize_LowercasesSplitsAndFoldsPlurals(string text, string[] expected)
    {
        Assert.Equal(expected, TextAnalyzer.Tokenize(text));
    }

    [Fact]
    public void Tokenize_TruncatesVeryLongTokens()
    {
        var token = Assert.Single(TextAnalyzer.Tokenize(new string('a', 10_000)));
        Assert.Equal(64, token.Length);
    }
}
