using Polly;
using Polly.Retry;

namespace Flipkart.EmbeddedDapr.Resiliency;

/// <summary>An operation failure that carries an HTTP or gRPC status code, visible to retry <c>matching</c>.</summary>
public class StatusCodeException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}

/// <summary>A failure daprd never retries (e.g. an ETag mismatch, or a dropped message).</summary>
public class PermanentFailureException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The resolved timeout / retry / circuit-breaker for one target, as daprd composes them: retries around the
/// breaker around a per-attempt timeout. An open breaker stops retrying. Retries and timeouts run on Polly with
/// the cluster <see cref="TimeProvider"/>; the breaker keeps daprd's gobreaker semantics.
/// </summary>
public sealed class ResiliencyPolicy
{
    public static readonly ResiliencyPolicy None = new("none", null, null, null, TimeProvider.System);

    private static readonly ResiliencePropertyKey<Action<int, Exception?>?> RetryCallback = new("dapr.onRetry");
    private static readonly ResiliencePropertyKey<DateTimeOffset> StartedAt = new("dapr.startedAt");
    private static readonly ResiliencePropertyKey<Func<object?, int?>?> ErrorCodeOf = new("dapr.errorCodeOf");

    private readonly ResiliencePipeline _pipeline;
    private readonly TimeProvider _time;

    public ResiliencyPolicy(string target, TimeSpan? timeout, RetrySpec? retry, CircuitBreakerSpec? breaker, TimeProvider time, Action<string>? breakerOpened = null)
    {
        Target = target;
        Timeout = timeout;
        Retry = retry;
        Breaker = breaker is null ? null : new CircuitBreaker(breaker, time, breakerOpened is null ? null : report => breakerOpened($"{target}: {report}"));
        _time = time;
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (retry is not null && retry.MaxRetries != 0)
        {
            var random = new Random();
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = retry.MaxRetries < 0 ? int.MaxValue : retry.MaxRetries,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(retry, args.Outcome.Exception, ErrorCode(args.Outcome.Result, args.Context), args.Context)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(retry.DelayFor(args.AttemptNumber, random)),
                OnRetry = args =>
                {
                    if (args.Context.Properties.GetValue(RetryCallback, null) is { } callback)
                    {
                        callback(args.AttemptNumber + 1, args.Outcome.Exception
                            ?? (ErrorCode(args.Outcome.Result, args.Context) is { } code ? new StatusCodeException(code, $"answered {code}") : null));
                    }
                    return default;
                },
            });
        }

        if (Breaker is not null)
        {
            builder.AddStrategy(_ => new BreakerStrategy(Breaker), new BreakerStrategyOptions());
        }

        if (timeout is { } t && t > TimeSpan.Zero)
        {
            builder.AddTimeout(t);
        }

        _pipeline = builder.Build();
    }

    public string Target { get; }

    public TimeSpan? Timeout { get; }

    public RetrySpec? Retry { get; }

    public CircuitBreaker? Breaker { get; }

    public bool IsNone => Timeout is null && Retry is null && Breaker is null;

    /// <summary>
    /// Runs <paramref name="operation"/> under the policy. Failures are exceptions (<see cref="StatusCodeException"/> for
    /// coded ones) or, with <paramref name="errorCode"/>, results it gives a status code: daprd's status-code errors
    /// without a throw per failed answer (a flash sale's sold-out 409s pass through here by the thousand).
    /// <paramref name="onRetry"/> sees each retry number. When the policy gives up, the last failure is rethrown, or
    /// the last failed result returned.
    /// </summary>
    public async Task<T> ExecuteAsync<T>(
        Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken, Action<int, Exception?>? onRetry = null,
        Func<T, int?>? errorCode = null)
    {
        if (IsNone)
        {
            return await operation(cancellationToken).ConfigureAwait(false);
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            context.Properties.Set(RetryCallback, onRetry);
            context.Properties.Set(StartedAt, _time.GetUtcNow());
            context.Properties.Set(ErrorCodeOf, errorCode is null ? null : result => result is T typed ? errorCode(typed) : null);
            return await _pipeline.ExecuteAsync(
                static async (ctx, op) => await op(ctx.CancellationToken).ConfigureAwait(false),
                context,
                operation).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    public Task ExecuteAsync(Func<CancellationToken, Task> operation, CancellationToken cancellationToken, Action<int, Exception?>? onRetry = null) =>
        ExecuteAsync<bool>(async ct =>
        {
            await operation(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken, onRetry);

    // A failed result's status code, when the caller said how to read one.
    private static int? ErrorCode(object? result, ResilienceContext context) =>
        context.Properties.GetValue(ErrorCodeOf, null) is { } errorCodeOf ? errorCodeOf(result) : null;

    private bool ShouldRetry(RetrySpec retry, Exception? exception, int? resultCode, ResilienceContext context)
    {
        switch (exception)
        {
            case null when resultCode is null:
                return false;
            case PermanentFailureException:
            case CircuitBreakerOpenException:
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return false;
        }

        if (retry.Exponential && _time.GetUtcNow() - context.Properties.GetValue(StartedAt, _time.GetUtcNow()) > retry.MaxElapsedTime)
        {
            return false;
        }

        return retry.ShouldRetry(exception is null ? resultCode : (exception as StatusCodeException)?.StatusCode);
    }

    private sealed class BreakerStrategyOptions : ResilienceStrategyOptions;

    private sealed class BreakerStrategy(CircuitBreaker breaker) : ResilienceStrategy
    {
        protected override async ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
            Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
        {
            long generation;
            try
            {
                generation = breaker.Before();
            }
            catch (CircuitBreakerOpenException ex)
            {
                return Outcome.FromException<TResult>(ex);
            }

            var outcome = await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
            var code = outcome.Exception is null ? ErrorCode(outcome.Result, context) : null;
            breaker.After(generation, outcome.Exception is null && code is null, outcome.Exception, code);
            return outcome;
        }
    }
}
