namespace Flipkart.LoadTest.Metrics;

/// <summary>
/// Zipf-distributed ranks: rank k (0-based) is drawn with probability proportional to 1/(k+1)^s, the long-tailed
/// popularity of real catalogs (a few products get most of the views). Inverse-CDF by binary search over a
/// precomputed table, so a draw is O(log n) and needs only a uniform number.
/// </summary>
public sealed class ZipfSampler
{
    private readonly double[] _cdf;

    public ZipfSampler(int count, double exponent = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (!(exponent >= 0) || double.IsInfinity(exponent))
        {
            throw new ArgumentOutOfRangeException(nameof(exponent), "The exponent must be a finite number ≥ 0.");
        }
        Count = count;
        Exponent = exponent;
        _cdf = new double[count];
        var sum = 0.0;
        for (var k = 0; k < count; k++)
        {
            sum += 1.0 / Math.Pow(k + 1, exponent);
            _cdf[k] = sum;
        }
        for (var k = 0; k < count; k++)
        {
            _cdf[k] /= sum;
        }
        _cdf[^1] = 1.0; // no rounding gap at the top
    }

    public int Count { get; }

    public double Exponent { get; }

    /// <summary>The probability of rank <paramref name="rank"/>.</summary>
    public double Probability(int rank) => rank == 0 ? _cdf[0] : _cdf[rank] - _cdf[rank - 1];

    /// <summary>A rank in [0, Count) for a uniform number in [0, 1).</summary>
    public int Sample(double uniform)
    {
        var index = Array.BinarySearch(_cdf, uniform);
        // Not found: the complement is the first entry larger than the value, i.e. the rank whose bucket holds it.
        index = index >= 0 ? index + 1 : ~index;
        return Math.Min(index, Count - 1);
    }

    public int Sample(Random random) => Sample(random.NextDouble());
}
