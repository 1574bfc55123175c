namespace Flipkart.Testing;

/// <summary>
/// Waits for a condition, not a duration: polls until it holds, and fails naming what never happened. The deadline
/// is generous on purpose (CI machines are loaded); it only bounds a wait, it is not what a test asserts.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <summary>The first non-null answer of <paramref name="probe"/>.</summary>
    public static async Task<T> GetAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null) where T : class
    {
        using var deadline = Deadline(timeout);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            await DelayAsync(deadline, what);
        }
    }

    /// <inheritdoc cref="GetAsync{T}(Func{Task{T}}, string, TimeSpan?)"/>
    public static Task<T> GetAsync<T>(Func<T?> probe, string what, TimeSpan? timeout = null) where T : class =>
        GetAsync(() => Task.FromResult(probe()), what, timeout);

    /// <summary>The first answer of <paramref name="read"/> that <paramref name="done"/> accepts.</summary>
    public static async Task<T> MatchAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        using var deadline = Deadline(timeout);
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }
            await DelayAsync(deadline, what);
        }
    }

    /// <summary>Until <paramref name="condition"/> holds.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        await MatchAsync(condition, done => done, what, timeout);

    /// <inheritdoc cref="TrueAsync(Func{Task{bool}}, string, TimeSpan?)"/>
    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, timeout);

    private static CancellationTokenSource Deadline(TimeSpan? timeout)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout ?? DefaultTimeout);
        return deadline;
    }

    private static async Task DelayAsync(CancellationTokenSource deadline, string what)
    {
        try
        {
            await Task.Delay(Interval, deadline.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Waited in vain for {what}.");
        }
    }
}
