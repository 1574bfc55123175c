using Flipkart.LoadTest.Metrics;

namespace Flipkart.LoadTest.Tests;

public sealed class ZipfSamplerTests
{
    [Fact]
    public void Probabilities_sum_to_one_and_fall_with_rank_as_one_over_rank()
    {
        var zipf = new ZipfSampler(1000, 1.0);

        var probabilities = Enumerable.Range(0, 1000).Select(zipf.Probability).ToList();

        Assert.Equal(1.0, probabilities.Sum(), 9);
        // p(k) ∝ 1/(k+1): the first rank is twice the second and ten times the tenth.
        Assert.Equal(2.0, probabilities[0] / probabilities[1], 9);
        Assert.Equal(10.0, probabilities[0] / probabilities[9], 9);
        // 1 / H(1000), the 1000th harmonic number ≈ 7.4855.
        Assert.Equal(1 / 7.485470860550345, probabilities[0], 9);
    }

    [Fact]
    public void Samples_follow_the_distribution()
    {
        var zipf = new ZipfSampler(100, 1.0);
        var random = new Random(1234);
        var counts = new int[100];
        const int draws = 200_000;

        for (var i = 0; i < draws; i++)
        {
            counts[zipf.Sample(random)]++;
        }

        foreach (var rank in new[] { 0, 1, 4, 9, 49 })
        {
            var expected = zipf.Probability(rank) * draws;
            // Well inside five standard deviations of a binomial count.
            Assert.InRange(counts[rank], expected - 5 * Math.Sqrt(expected), expected + 5 * Math.Sqrt(expected));
        }
        // Skew: the top 10% of products get more than half of the views.
        Assert.True(counts.Take(10).Sum() > draws / 2, $"top 10 got {counts.Take(10).Sum()} of {draws}");
    }

    [Fact]
    public void The_same_seed_draws_the_same_sequence()
    {
        var zipf = new ZipfSampler(500, 1.2);

        var a = new Random(7);
        var b = new Random(7);

        Assert.Equal(Enumerable.Range(0, 1000).Select(_ => zipf.Sample(a)), Enumerable.Range(0, 1000).Select(_ => zipf.Sample(b)));
    }

    [Fact]
    public void Exponent_zero_is_uniform()
    {
        var zipf = new ZipfSampler(4, 0);

        Assert.All(Enumerable.Range(0, 4), rank => Assert.Equal(0.25, zipf.Probability(rank), 12));
        Assert.Equal(0, zipf.Sample(0.0));
        Assert.Equal(0, zipf.Sample(0.2499));
        Assert.Equal(1, zipf.Sample(0.25));
        Assert.Equal(3, zipf.Sample(0.9999999));
    }

    [Fact]
    public void Every_uniform_value_maps_to_a_valid_rank()
    {
        var zipf = new ZipfSampler(3, 2.0);

        Assert.Equal(0, zipf.Sample(0.0));
        Assert.Equal(2, zipf.Sample(Math.BitDecrement(1.0)));
        Assert.Equal(2, zipf.Sample(1.0));
    }

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(10, -0.5)]
    [InlineData(10, double.NaN)]
    [InlineData(10, double.PositiveInfinity)]
    public void Invalid_parameters_are_refused(int count, double exponent) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZipfSampler(count, exponent));
}
