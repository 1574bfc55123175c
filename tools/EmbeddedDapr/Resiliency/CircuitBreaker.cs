namespace Flipkart.EmbeddedDapr.Resiliency;

/// <summary>Raised without calling the target while a breaker is open (or half-open and saturated), as daprd reports it.</summary>
public sealed class CircuitBreakerOpenException(string message) : Exception(message);

/// <summary>
/// A circuit breaker with gobreaker's semantics, which daprd uses: closed → open when the trip expression holds
/// after a failure; open → half-open after <c>timeout</c>; half-open lets <c>maxRequests</c> probes through and
/// closes after that many consecutive successes, reopening on any failure. <c>interval</c> clears the closed-state
/// counts periodically (0 = never). Time comes from the cluster <see cref="TimeProvider"/>. Like daprd, which logs
/// each state change of a breaker, it reports when it opens (<paramref name="opened"/>), with the failure that tripped it.
/// </summary>
public sealed class CircuitBreaker(CircuitBreakerSpec spec, TimeProvider time, Action<string>? opened = null)
{
    private readonly Lock _gate = new();
    private BreakerState _state = BreakerState.Closed;
    private Counts _counts;
    private DateTimeOffset _expiry = DateTimeOffset.MinValue;
    private long _generation;

    public enum BreakerState { Closed, HalfOpen, Open }

    public BreakerState State
    {
        get
        {
            lock (_gate)
            {
                return CurrentState(time.GetUtcNow());
            }
        }
    }

    public string Name => spec.Name;

    /// <summary>Admits a call or throws <see cref="CircuitBreakerOpenException"/>; returns the generation to report back.</summary>
    public long Before()
    {
        lock (_gate)
        {
            var state = CurrentState(time.GetUtcNow());
            if (state == BreakerState.Open)
            {
                throw new CircuitBreakerOpenException("circuit breaker is open");
            }

            if (state == BreakerState.HalfOpen && _counts.Requests >= spec.MaxRequests)
            {
                throw new CircuitBreakerOpenException("too many requests");
            }

            _counts.Requests++;
            return _generation;
        }
    }

    /// <summary>Reports a call's result; <paramref name="failure"/> or <paramref name="failedWith"/> say why it failed, for the report if it trips.</summary>
    public void After(long generation, bool success, Exception? failure = null, int? failedWith = null)
    {
        string? report = null;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var state = CurrentState(now);
            if (generation != _generation)
            {
                return; // the call started in an earlier generation; gobreaker ignores it
            }

            if (success)
            {
                _counts.TotalSuccesses++;
                _counts.ConsecutiveSuccesses++;
                _counts.ConsecutiveFailures = 0;
                if (state == BreakerState.HalfOpen && _counts.ConsecutiveSuccesses >= spec.MaxRequests)
                {
                    SetState(BreakerState.Closed, now);
                }

                return;
            }

            _counts.TotalFailures++;
            _counts.ConsecutiveFailures++;
            _counts.ConsecutiveSuccesses = 0;
            if (state == BreakerState.HalfOpen || (state == BreakerState.Closed && ReadyToTrip()))
            {
                report = $"circuit breaker '{spec.Name}' opened ({state}, {_counts.ConsecutiveFailures} consecutive failures, {_counts.TotalFailures} of {_counts.Requests} calls failed); the last failure: {Describe(failure, failedWith)}";
                SetState(BreakerState.Open, now);
            }
        }
        if (report is not null)
        {
            opened?.Invoke(report);
        }
    }

    private static string Describe(Exception? failure, int? failedWith) =>
        failure is not null ? $"{failure.GetType().Name}: {failure.Message}" : failedWith is { } code ? $"answered {code}" : "unknown";

    private bool ReadyToTrip()
    {
        var counts = _counts;
        var ok = spec.Trip.TryEvaluate(
            name => name switch
            {
                "requests" => (double)counts.Requests,
                "totalSuccesses" => (double)counts.TotalSuccesses,
                "totalFailures" => (double)counts.TotalFailures,
                "consecutiveSuccesses" => (double)counts.ConsecutiveSuccesses,
                _ => (double)counts.ConsecutiveFailures,
            },
            out var trip,
            out _);
        return ok && trip;
    }

    private BreakerState CurrentState(DateTimeOffset now)
    {
        switch (_state)
        {
            case BreakerState.Closed when spec.Interval > TimeSpan.Zero && _expiry == DateTimeOffset.MinValue:
                _expiry = now + spec.Interval; // the first generation starts with the first call
                break;
            case BreakerState.Closed when spec.Interval > TimeSpan.Zero && _expiry <= now:
                NewGeneration(now);
                break;
            case BreakerState.Open when _expiry <= now:
                SetState(BreakerState.HalfOpen, now);
                break;
        }

        return _state;
    }

    private void SetState(BreakerState state, DateTimeOffset now)
    {
        _state = state;
        NewGeneration(now);
    }

    private void NewGeneration(DateTimeOffset now)
    {
        _generation++;
        _counts = default;
        _expiry = _state switch
        {
            BreakerState.Closed => spec.Interval > TimeSpan.Zero ? now + spec.Interval : DateTimeOffset.MinValue,
            BreakerState.Open => now + spec.Timeout,
            _ => DateTimeOffset.MinValue,
        };
    }

    private struct Counts
    {
        public uint Requests;
        public uint TotalSuccesses;
        public uint TotalFailures;
        public uint ConsecutiveSuccesses;
        public uint ConsecutiveFailures;
    }
}
