using Flipkart.EmbeddedDapr.PubSub;
using Flipkart.EmbeddedDapr.Resiliency;
using Microsoft.Extensions.Time.Testing;

namespace Flipkart.EmbeddedDapr.Tests;

public sealed class ResiliencyPolicyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ResiliencyDocument Doc(string spec, string scopes = "") => ResiliencyDocument.Parse(PubSubTestData.Yaml($"""
        apiVersion: dapr.io/v1alpha1
        kind: Resiliency
        metadata:
          name: test
        {scopes}
        spec:
        {string.Join("\n", spec.Split('\n').Select(l => "  " + l))}
        """));

    private static async Task<int> CountAttempts(ResiliencyPolicy policy, Func<int, Exception?> failure)
    {
        var attempts = 0;
        try
        {
            await policy.ExecuteAsync(_ =>
            {
                var error = failure(++attempts);
                return error is null ? Task.CompletedTask : Task.FromException(error);
            }, Ct);
        }
        catch (Exception)
        {
            // the policy gave up; the attempt count is what matters
        }

        return attempts;
    }

    [Fact]
    public async Task Constant_retry_makes_max_retries_plus_one_attempts()
    {
        var provider = new ResiliencyProvider([Doc("""
            policies:
              retries:
                quick: { policy: constant, duration: 1ms, maxRetries: 3 }
            targets:
              apps:
                cart: { retry: quick }
            """)], TimeProvider.System);

        var attempts = await CountAttempts(provider.ForApp("ordering", "cart"), _ => new InvalidOperationException("boom"));

        Assert.Equal(4, attempts);
    }

    [Fact]
    public async Task Max_retries_zero_means_a_single_attempt()
    {
        var provider = new ResiliencyProvider([Doc("""
            policies:
              retries:
                none: { maxRetries: 0 }
            targets:
              apps:
                cart: { retry: none }
            """)], TimeProvider.System);

        Assert.Equal(1, await CountAttempts(provider.ForApp("ordering", "cart"), _ => new InvalidOperationException()));
    }

    [Fact]
    public async Task Matching_retries_only_the_listed_status_codes_but_every_uncoded_error()
    {
        var provider = new ResiliencyProvider([Doc("""
            policies:
              retries:
                transient:
                  policy: constant
                  duration: 1ms
                  maxRetries: 2
                  matching:
                    httpStatusCodes: "429,502-504"
                    gRPCStatusCodes: "14"
            targets:
              apps:
                cart: { retry: transient }
            """)], TimeProvider.System);
        var policy = provider.ForApp("ordering", "cart");

        Assert.Equal(3, await CountAttempts(policy, _ => new StatusCodeException(503, "unavailable")));
        Assert.Equal(1, await CountAttempts(policy, _ => new StatusCodeException(500, "server error")));
        Assert.Equal(3, await CountAttempts(policy, _ => new StatusCodeException(14, "grpc unavailable")));
        Assert.Equal(1, await CountAttempts(policy, _ => new StatusCodeException(13, "grpc internal")));
        Assert.Equal(3, await CountAttempts(policy, _ => new TimeoutException()));
    }

    [Fact]
    public async Task Permanent_failures_are_never_retried()
    {
        var provider = new ResiliencyProvider([Doc("""
            policies:
              retries:
                many: { duration: 1ms, maxRetries: 5 }
            targets:
              components:
                store: { outbound: { retry: many } }
            """)], TimeProvider.System);

        var attempts = await CountAttempts(provider.ForComponent("a", "store", "state", ComponentDirection.Outbound), _ => new PermanentFailureException("etag mismatch"));

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task A_retry_that_recovers_returns_the_result()
    {
        var provider = new ResiliencyProvider([Doc("""
            policies:
              retries:
                quick: { duration: 1ms, maxRetries: 5 }
            targets:
              apps:
                cart: { retry: quick }
            """)], TimeProvider.System);
        var attempts = 0;
        var retries = new List<int>();

        var result = await provider.ForApp("ordering", "cart").ExecuteAsync(
            _ => ++attempts < 3 ? Task.FromException<string>(new InvalidOperationException()) : Task.FromResult("ok"),
            Ct,
            (n, _) => retries.Add(n));

        Assert.Equal("ok", result);
        Assert.Equal([1, 2], retries);
    }

    [Fact]
    public void Exponential_backoff_grows_by_the_multiplier_within_the_randomization_band_and_is_capped()
    {
        var retry = ResiliencyDocument.Parse(PubSubTestData.Yaml("""
            kind: Resiliency
            metadata: { name: r }
            spec:
              policies:
                retries:
                  exp: { policy: exponential, initialInterval: 100ms, multiplier: 2, randomizationFactor: 0.5, maxInterval: 1s }
            """)).Retries["exp"];
        var random = new Random(1);

        for (var attempt = 0; attempt < 8; attempt++)
        {
            var expected = Math.Min(100 * Math.Pow(2, attempt), 1000);
            var delay = retry.DelayFor(attempt, random).TotalMilliseconds;
            Assert.InRange(delay, expected * 0.5, (expected * 1.5) + 1);
        }

        Assert.Equal(-1, retry.MaxRetries); // daprd's default: retry forever
    }

    [Fact]
    public async Task Per_attempt_timeout_fails_a_slow_call_and_retries_it()
    {
        var provider = new ResiliencyProvider([Doc("""
            policies:
              timeouts:
                short: 50ms
              retries:
                twice: { duration: 1ms, maxRetries: 1 }
            targets:
              apps:
                slow: { timeout: short, retry: twice }
            """)], TimeProvider.System);
        var attempts = 0;

        await Assert.ThrowsAsync<Polly.Timeout.TimeoutRejectedException>(() => provider.ForApp("a", "slow").ExecuteAsync(async ct =>
        {
            attempts++;
            await Task.Delay(TimeSpan.FromSeconds(30), ct);
        }, Ct));

        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task Circuit_breaker_opens_after_the_trip_then_half_opens_after_its_timeout()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var provider = new ResiliencyProvider([Doc("""
            policies:
              circuitBreakers:
                cb: { maxRequests: 1, timeout: 30s, trip: consecutiveFailures > 2 }
            targets:
              apps:
                cart: { circuitBreaker: cb }
            """)], clock);
        var policy = provider.ForApp("ordering", "cart");
        var calls = 0;
        Task Fail() => policy.ExecuteAsync(_ => { calls++; return Task.FromException(new InvalidOperationException("down")); }, Ct);

        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(Fail);
        }

        var open = await Assert.ThrowsAsync<CircuitBreakerOpenException>(Fail);
        Assert.Equal("circuit breaker is open", open.Message);
        Assert.Equal(3, calls);
        Assert.Equal(CircuitBreaker.BreakerState.Open, policy.Breaker!.State);

        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(CircuitBreaker.BreakerState.HalfOpen, policy.Breaker.State);
        await policy.ExecuteAsync(_ => Task.CompletedTask, Ct);
        Assert.Equal(CircuitBreaker.BreakerState.Closed, policy.Breaker.State);
    }

    [Fact]
    public async Task A_failed_probe_in_half_open_reopens_the_breaker()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var breaker = new CircuitBreaker(
            new CircuitBreakerSpec("cb", 1, TimeSpan.Zero, TimeSpan.FromSeconds(10), CelExpression.Parse("consecutiveFailures > 0", ResiliencyDocument.BreakerVariables)),
            clock);

        breaker.After(breaker.Before(), success: false);
        Assert.Equal(CircuitBreaker.BreakerState.Open, breaker.State);
        clock.Advance(TimeSpan.FromSeconds(10));
        var probe = breaker.Before();
        Assert.Throws<CircuitBreakerOpenException>(() => breaker.Before()); // maxRequests 1: "too many requests"
        breaker.After(probe, success: false);

        Assert.Equal(CircuitBreaker.BreakerState.Open, breaker.State);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task An_open_breaker_stops_the_retry_loop()
    {
        var provider = new ResiliencyProvider([Doc("""
            policies:
              retries:
                forever: { duration: 1ms }
              circuitBreakers:
                cb: { trip: consecutiveFailures >= 3, timeout: 60s }
            targets:
              components:
                pubsub: { inbound: { retry: forever, circuitBreaker: cb } }
            """)], TimeProvider.System);

        var attempts = await CountAttempts(provider.ForComponent("app", "pubsub", "pubsub", ComponentDirection.Inbound), _ => new InvalidOperationException());

        Assert.Equal(3, attempts);
    }

    [Fact]
    public void Breaker_interval_clears_the_closed_state_counts()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var breaker = new CircuitBreaker(
            new CircuitBreakerSpec("cb", 1, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), CelExpression.Parse("consecutiveFailures > 1", ResiliencyDocument.BreakerVariables)),
            clock);

        breaker.After(breaker.Before(), success: false);
        clock.Advance(TimeSpan.FromSeconds(6));
        breaker.After(breaker.Before(), success: false);

        Assert.Equal(CircuitBreaker.BreakerState.Closed, breaker.State);
    }

    [Fact]
    public void Default_policy_names_fill_in_missing_kinds_from_specific_to_general()
    {
        var provider = new ResiliencyProvider([Doc("""
            policies:
              timeouts:
                DefaultTimeoutPolicy: 9s
                DefaultPubsubComponentInboundTimeoutPolicy: 3s
              retries:
                DefaultComponentRetryPolicy: { duration: 2s, maxRetries: 1 }
                DefaultAppRetryPolicy: { duration: 1s, maxRetries: 7 }
                named: { duration: 1s, maxRetries: 2 }
            targets:
              apps:
                cart: { retry: named }
            """)], TimeProvider.System);

        var inbound = provider.ForComponent("a", "pubsub", "pubsub", ComponentDirection.Inbound);
        Assert.Equal((TimeSpan.FromSeconds(3), 1), (inbound.Timeout, inbound.Retry!.MaxRetries));

        var state = provider.ForComponent("a", "store", "state", ComponentDirection.Outbound);
        Assert.Equal(TimeSpan.FromSeconds(9), state.Timeout);

        var cart = provider.ForApp("a", "cart");
        Assert.Equal(("named", TimeSpan.FromSeconds(9)), (cart.Retry!.Name, cart.Timeout));
        Assert.Equal("DefaultAppRetryPolicy", provider.ForApp("a", "catalog").Retry!.Name);
    }

    [Fact]
    public void No_resiliency_documents_means_no_policy_at_all()
    {
        Assert.True(ResiliencyProvider.Empty.ForApp("a", "b").IsNone);
        Assert.True(new ResiliencyProvider([], TimeProvider.System).ForComponent("a", "pubsub", "pubsub", ComponentDirection.Inbound).IsNone);
    }

    [Fact]
    public void Scoped_documents_apply_only_to_their_apps()
    {
        var provider = new ResiliencyProvider([Doc("""
            policies:
              retries:
                r: { maxRetries: 1 }
            targets:
              apps:
                cart: { retry: r }
            """, "scopes: [ordering]")], TimeProvider.System);

        Assert.False(provider.ForApp("ordering", "cart").IsNone);
        Assert.True(provider.ForApp("gateway", "cart").IsNone);
    }

    [Fact]
    public void The_shipped_local_profile_parses()
    {
        var path = Path.Combine(RepoRoot(), "components", "local", "resiliency.yaml");
        var doc = ResiliencyDocument.Parse(PubSubTestData.Yaml(File.ReadAllText(path)));

        Assert.Equal(("deliver", 3, "subscriber"), (doc.ComponentsInbound["pubsub"].Retry, doc.Retries["deliver"].MaxRetries, doc.ComponentsInbound["pubsub"].CircuitBreaker));
        Assert.True(doc.Retries["invokeTransient"].ShouldRetry(503));
        Assert.False(doc.Retries["invokeTransient"].ShouldRetry(500));
    }

    [Theory]
    [InlineData("targets: { apps: { cart: { retry: missing } } }", "unknown retry policy 'missing'")]
    [InlineData("policies: { retries: { r: { policy: linear } } }", "unknown policy 'linear'")]
    [InlineData("policies: { timeouts: { t: soon } }", "invalid duration")]
    [InlineData("policies: { circuitBreakers: { c: { trip: \"failures() > 1\" } } }", "failures() > 1")]
    [InlineData("policies: { retries: { r: { matching: { httpStatusCodes: \"600\" } } } }", "invalid httpStatusCodes entry '600'")]
    public void Invalid_documents_are_rejected_with_a_clear_message(string spec, string expected)
    {
        var ex = Assert.Throws<ResiliencyLoadException>(() => Doc(spec));

        Assert.Contains(expected, ex.Message);
    }

    [Theory]
    [InlineData("5s", 5000)]
    [InlineData("1m30s", 90000)]
    [InlineData("250ms", 250)]
    [InlineData("1.5h", 5400000)]
    [InlineData("0", 0)]
    public void Go_durations_parse(string text, double ms)
    {
        Assert.Equal(ms, GoDuration.Parse(text).TotalMilliseconds);
    }

    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "")
    {
        // The test binaries may live outside the repository (ArtifactsPath), so start from this source file.
        var dir = new DirectoryInfo(Path.GetDirectoryName(thisFile)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Flipkart.Dapr.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
