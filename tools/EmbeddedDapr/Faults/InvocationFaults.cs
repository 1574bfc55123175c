using System.Globalization;
using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.Resiliency;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.EmbeddedDapr.Faults;

/// <summary>
/// Service-invocation faults: <b>the callee completes, its reply is lost</b> on the way back (a connection reset between
/// the sidecars). The caller's daprd sees gRPC <c>Unavailable</c> from the remote daprd: with a resiliency policy for the
/// target app it retries (a transport error is not a status-code error, so <c>matching</c> does not filter it), without
/// one its built-in service retries do (3 × 1 s) — either way the callee runs the same request again, which is exactly
/// what idempotency keys are for. Everything is off by default;
/// <see cref="Target"/>/<see cref="Caller"/>/<see cref="Method"/> narrow it (null = all).
/// </summary>
public sealed record InvocationFaults
{
    public static readonly InvocationFaults None = new();

    /// <summary>The next N matching calls lose their reply.</summary>
    public int LoseReplies { get; init; }

    /// <summary>Every K-th matching call loses its reply (0 = off), for load runs.</summary>
    public int LoseEvery { get; init; }

    /// <summary>Every matching call loses its reply until this instant (cluster time).</summary>
    public DateTimeOffset? LoseRepliesUntil { get; init; }

    /// <summary>Callee app id.</summary>
    public string? Target { get; init; }

    /// <summary>Caller app id.</summary>
    public string? Caller { get; init; }

    /// <summary>Method path prefix, without the leading slash (e.g. <c>api/orders</c>).</summary>
    public string? Method { get; init; }

    public bool IsEmpty => this == None;

    /// <summary>
    /// The flag form, e.g. <c>loseReplies=3,target=inventory</c>, <c>loseEvery=5</c>, <c>loseRepliesFor=3s,caller=gateway,method=api/orders</c>.
    /// </summary>
    public static InvocationFaults Parse(string text, TimeProvider? time = null)
    {
        var faults = new InvocationFaults();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2)
            {
                throw new FormatException($"invocation fault '{part}' must be name=value");
            }

            var (name, value) = (pair[0].ToLowerInvariant(), pair[1]);
            faults = name switch
            {
                "losereplies" => faults with { LoseReplies = Int(name, value) },
                "loseevery" => faults with { LoseEvery = Int(name, value) },
                "loserepliesfor" => faults with { LoseRepliesUntil = (time ?? TimeProvider.System).GetUtcNow() + GoDuration.Parse(value) },
                "target" => faults with { Target = value },
                "caller" => faults with { Caller = value },
                "method" => faults with { Method = value.TrimStart('/') },
                _ => throw new FormatException(
                    $"unknown invocation fault '{pair[0]}' (known: loseReplies, loseEvery, loseRepliesFor, target, caller, method)"),
            };
        }

        return faults;
    }

    private static int Int(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0
            ? n
            : throw new FormatException($"invocation fault '{name}' needs a non-negative integer, got '{value}'");
}

/// <summary>The cluster's active invocation faults; counts budgets down and records what it did.</summary>
public sealed class InvocationFaultInjector(TimeProvider time)
{
    private readonly Lock _gate = new();
    private InvocationFaults _faults = InvocationFaults.None;
    private int _left;
    private long _matched;
    private long _lost;

    public InvocationFaults Current
    {
        get
        {
            lock (_gate)
            {
                return _faults;
            }
        }
    }

    /// <summary>Replies lost so far (since the last <see cref="Set"/>).</summary>
    public long LostReplies => Interlocked.Read(ref _lost);

    public void Set(InvocationFaults faults)
    {
        lock (_gate)
        {
            _faults = faults;
            _left = faults.LoseReplies;
            _matched = 0;
            Interlocked.Exchange(ref _lost, 0);
        }
    }

    public void Reset() => Set(InvocationFaults.None);

    /// <summary>True when this reply must be lost (consumes the budget).</summary>
    public bool ShouldLoseReply(string caller, string target, string method)
    {
        lock (_gate)
        {
            var f = _faults;
            if (f.IsEmpty || (f.Target is not null && f.Target != target) || (f.Caller is not null && f.Caller != caller)
                || (f.Method is not null && !method.TrimStart('/').StartsWith(f.Method, StringComparison.Ordinal)))
            {
                return false;
            }

            _matched++;
            var lose = (f.LoseRepliesUntil is { } until && time.GetUtcNow() < until)
                || (f.LoseEvery > 0 && _matched % f.LoseEvery == 0);
            if (!lose && _left > 0)
            {
                _left--;
                lose = true;
            }

            if (lose)
            {
                Interlocked.Increment(ref _lost);
            }

            return lose;
        }
    }
}

/// <summary>The reply the caller never got: the stream between the sidecars broke after the callee answered.</summary>
public sealed class ReplyLostException(string target) : SidecarUnavailableException(
    $"rpc error: code = Unavailable desc = error reading from server: EOF (embedded fault: {target} completed the call, its reply was lost)");

/// <summary>
/// Plugs <see cref="InvocationFaultInjector"/> into every sidecar's outbound invocation; env <c>EMBEDDED_DAPR_INVOKE_FAULTS</c>
/// sets it at start, <c>PUT /embedded/invoke/faults</c> (any sidecar's HTTP port) at run time.
/// </summary>
public sealed class InvocationFaultsModule : ISidecarModule
{
    /// <summary>The injector of a cluster (tests and the local run).</summary>
    public static InvocationFaultInjector Injector(EmbeddedDaprCluster cluster) => cluster.Services.GetRequiredService<InvocationFaultInjector>();

    public void ConfigureClusterServices(IServiceCollection services, EmbeddedDaprCluster cluster)
    {
        var injector = new InvocationFaultInjector(cluster.TimeProvider);
        if (Environment.GetEnvironmentVariable("EMBEDDED_DAPR_INVOKE_FAULTS") is { Length: > 0 } text)
        {
            injector.Set(InvocationFaults.Parse(text, cluster.TimeProvider));
        }

        services.AddSingleton(injector);
    }

    public void ConfigureServices(IServiceCollection services, SidecarContext sidecar) =>
        services.AddSingleton<IOutboundCallInterceptor>(new ReplyLoser(sidecar.AppId, Injector(sidecar.Cluster)));

    public void MapEndpoints(IEndpointRouteBuilder endpoints, SidecarContext sidecar)
    {
        var injector = Injector(sidecar.Cluster);
        endpoints.MapGet("/embedded/invoke/faults", () => Results.Json(new { faults = injector.Current, lostReplies = injector.LostReplies }));
        endpoints.MapPut("/embedded/invoke/faults", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var text = await reader.ReadToEndAsync(context.RequestAborted);
            try
            {
                injector.Set(InvocationFaults.Parse(text, sidecar.TimeProvider));
                return Results.NoContent();
            }
            catch (FormatException ex)
            {
                return Results.Text(ex.Message, statusCode: StatusCodes.Status400BadRequest);
            }
        });
    }

    private sealed class ReplyLoser(string caller, InvocationFaultInjector injector) : IOutboundCallInterceptor
    {
        public ValueTask AfterAppCallAsync(string targetAppId, HttpRequestMessage request, HttpResponseMessage response, CancellationToken cancellationToken)
        {
            var path = request.RequestUri is { IsAbsoluteUri: true } uri ? uri.AbsolutePath : request.RequestUri?.OriginalString ?? "";
            if (injector.ShouldLoseReply(caller, targetAppId, path))
            {
                response.Dispose();
                throw new ReplyLostException(targetAppId);
            }

            return ValueTask.CompletedTask;
        }
    }
}
