using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flipkart.EmbeddedDapr.Actors;

/// <summary>
/// The actor half of one sidecar: reads its app's <c>/dapr/config</c>, registers the replica with the
/// <see cref="ActorCluster"/>, and serves daprd's actor HTTP API (<c>/v1.0/actors/...</c>) to its app.
/// </summary>
public sealed class ActorSidecar(
    ActorCluster cluster,
    string appId,
    Func<IActorStateStore?> actorStateStore,
    bool actorStateTtlEnabled = false,
    ILogger? logger = null)
{
    private const string ReservedTypePrefix = "dapr.internal.";
    private const string StoreNotConfigured =
        "actors: state store does not exist or incorrectly configured. Have you set the property '{\"name\": \"actorStateStore\", \"value\": \"true\"}' in your state store component file?";

    private static readonly HashSet<string> HopByHopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer",
        "Proxy-Connection", "dapr-api-token",
    };

    private readonly ILogger log = logger ?? NullLogger.Instance;

    public string AppId { get; } = appId;

    public ActorCluster Cluster { get; } = cluster;

    /// <summary>The replica this sidecar's app registered, or null while it hosts no actors (or is down).</summary>
    public ActorReplica? Host { get; private set; }

    /// <summary>
    /// Reads the app's actor configuration (daprd: any non-200 or unreadable answer = no actors) and registers
    /// the replica. Call when the app is ready; <paramref name="appChannel"/> has the app as base address.
    /// </summary>
    public async Task<ActorReplica?> ConnectAppAsync(HttpClient appChannel, CancellationToken cancellationToken = default)
    {
        DisconnectApp();
        IReadOnlyDictionary<string, ActorTypeSettings> types;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("dapr/config", UriKind.Relative));
            request.Headers.TryAddWithoutValidation("dapr-app-id", AppId);
            using var response = await appChannel.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if ((int)response.StatusCode != StatusCodes.Status200OK)
            {
                return null;
            }

            types = ActorAppConfig.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException)
        {
            log.LogDebug(ex, "Reading /dapr/config of {AppId} failed; it hosts no actors", AppId);
            return null;
        }

        if (types.Count == 0)
        {
            return null;
        }

        var host = new ActorReplica(AppId, appChannel, types, actorStateStore());
        await Cluster.AddHostAsync(host, cancellationToken).ConfigureAwait(false);
        Host = host;
        return host;
    }

    /// <summary>The app stopped: its actors are gone from placement; its reminders wait for the next host.</summary>
    public void DisconnectApp()
    {
        if (Host is { } host)
        {
            Host = null;
            Cluster.RemoveHost(host);
        }
    }

    /// <summary>False while the app is taken out of placement for failing its health probes (or reported gone).</summary>
    public bool AppHealthy => Volatile.Read(ref appHealthy);

    private bool appHealthy = true;
    private readonly SemaphoreSlim transition = new(1, 1);

    /// <summary>
    /// The app is known to be gone (its process was killed, as a pod's death would end it): leave placement now
    /// instead of waiting for the health probes; <see cref="MonitorAppHealthAsync"/> registers again once the app
    /// answers.
    /// </summary>
    public void ReportAppDown()
    {
        Volatile.Write(ref appHealthy, false);
        DisconnectApp();
    }

    /// <summary>
    /// Probes the app's <c>/healthz</c> like daprd's actor runtime for as long as <paramref name="cancellationToken"/>
    /// runs: after <see cref="ActorClusterOptions.AppHealthFailureThreshold"/> failures in a row the replica leaves
    /// placement (its actors move to other hosts on their next call or reminder); the first 2xx afterwards reads
    /// <c>/dapr/config</c> again and registers the replica anew. Runs only for apps that host actors.
    /// </summary>
    public async Task MonitorAppHealthAsync(Func<HttpClient?> appChannel, CancellationToken cancellationToken)
    {
        var options = Cluster.Options;
        var failures = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(AppHealthy ? options.AppHealthInterval : options.AppUnhealthyInterval, cancellationToken).ConfigureAwait(false);
                if (appChannel() is not { } channel)
                {
                    continue;
                }

                if (!await ProbeHealthAsync(channel, options.AppHealthTimeout, cancellationToken).ConfigureAwait(false))
                {
                    if (AppHealthy && ++failures >= options.AppHealthFailureThreshold)
                    {
                        log.LogWarning("App {AppId} failed {Failures} health probes; its actors leave placement", AppId, failures);
                        ReportAppDown();
                    }

                    continue;
                }

                failures = 0;
                if (!AppHealthy)
                {
                    await RejoinAsync(channel, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task RejoinAsync(HttpClient channel, CancellationToken cancellationToken)
    {
        await transition.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (AppHealthy)
            {
                return;
            }

            if (await ConnectAppAsync(channel, cancellationToken).ConfigureAwait(false) is null)
            {
                return; // /dapr/config not readable yet: try again on the next probe.
            }

            Volatile.Write(ref appHealthy, true);
            log.LogInformation("App {AppId} answers again; its actor types are back in placement", AppId);
        }
        finally
        {
            transition.Release();
        }

        if (cancellationToken.IsCancellationRequested)
        {
            // The sidecar began stopping while the replica registered: the stop's withdrawal may have run first.
            DisconnectApp();
        }
    }

    private static async Task<bool> ProbeHealthAsync(HttpClient channel, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var probeTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        probeTimeout.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("healthz", UriKind.Relative));
            using var response = await channel.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, probeTimeout.Token).ConfigureAwait(false);
            return (int)response.StatusCode is >= 200 and < 300;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or ObjectDisposedException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Active actors of this sidecar's replica per type, as GetMetadata's <c>actor_runtime.active_actors</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, int>> ActiveActorCounts() => Host?.ActiveActorCounts() ?? [];

    /// <summary>Maps daprd's actor HTTP API; <paramref name="endpoints"/> is the sidecar's HTTP API root.</summary>
    public IEndpointConventionBuilder MapActorApi(IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("v1.0/actors/{actorType}/{actorId}");
        group.MapMethods("state", ["PUT", "POST"], ctx => Handle(ctx, SaveStateAsync));
        group.MapGet("state/{key}", ctx => Handle(ctx, GetStateAsync));
        group.MapMethods("method/{method}", ["GET", "POST", "PUT", "DELETE"], ctx => Handle(ctx, InvokeAsync));
        group.MapMethods("reminders/{name}", ["PUT", "POST"], ctx => Handle(ctx, CreateReminderAsync));
        group.MapGet("reminders/{name}", ctx => Handle(ctx, GetReminderAsync));
        group.MapDelete("reminders/{name}", ctx => Handle(ctx, DeleteReminderAsync));
        group.MapMethods("timers/{name}", ["PUT", "POST"], ctx => Handle(ctx, CreateTimerAsync));
        group.MapDelete("timers/{name}", ctx => Handle(ctx, DeleteTimerAsync));
        return group;
    }

    private static async Task Handle(HttpContext context, Func<HttpContext, ActorKey, Task> handler)
    {
        var key = new ActorKey(Route(context, "actorType"), Route(context, "actorId"));
        try
        {
            await handler(context, key);
        }
        catch (ActorApiError error)
        {
            if (!context.Response.HasStarted)
            {
                await error.WriteAsync(context.Response);
            }
        }
    }

    private static string Route(HttpContext context, string name) => context.Request.RouteValues[name] as string ?? string.Empty;

    private static void RejectReserved(string actorType)
    {
        if (actorType.StartsWith(ReservedTypePrefix, StringComparison.Ordinal))
        {
            throw ActorApiError.TypeReserved(actorType);
        }
    }

    /// <summary>daprd's <c>ValidateName</c> for actor types, ids and reminder/timer names.</summary>
    private static string? NameProblem(string name)
    {
        if (name.AsSpan().IndexOfAny("#?\0/\\") >= 0)
        {
            return $"name contains forbidden character: \"{name}\"";
        }

        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] < 0x20 || name[i] == 0x7f)
            {
                return $"name contains control character at position {i}: \"{name}\"";
            }
        }

        return name is "." or ".." ? $"name is a path traversal sequence: \"{name}\"" : null;
    }

    private IActorStateStore Store(Func<string, ActorApiError> misconfigured)
    {
        var store = actorStateStore() ?? throw ActorApiError.RuntimeNotFound();
        return store.SupportsETagAndTransactions ? store : throw misconfigured(StoreNotConfigured);
    }

    private string StateKey(ActorKey key, string stateKey) => $"{AppId}||{key.Type}||{key.Id}||{stateKey}";

    private string PartitionKey(ActorKey key) => $"{AppId}||{key.Type}||{key.Id}";

    private async Task GetStateAsync(HttpContext context, ActorKey key)
    {
        RejectReserved(key.Type);
        var store = Store(ActorApiError.StateGet);
        ActorStateItem? item;
        try
        {
            item = await store.GetAsync(StateKey(key, Route(context, "key")), context.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw ActorApiError.StateGet(ex.Message);
        }

        if (item is null || item.Data.Length == 0)
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        foreach (var (name, value) in item.Metadata)
        {
            context.Response.Headers["metadata." + name] = value;
        }

        await context.Response.Body.WriteAsync(item.Data, context.RequestAborted);
    }

    private async Task SaveStateAsync(HttpContext context, ActorKey key)
    {
        RejectReserved(key.Type);
        JsonElement operations;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            operations = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw ActorApiError.MalformedRequest(ex.Message);
        }

        if (operations.ValueKind is not (JsonValueKind.Array or JsonValueKind.Null))
        {
            throw ActorApiError.MalformedRequest("json: cannot unmarshal " + operations.ValueKind.ToString().ToLowerInvariant() + " into a list of operations");
        }

        // daprd checks that the actor is active here before it looks at the operations or the store.
        if (Host is not { } host || !host.IsActive(key))
        {
            throw ActorApiError.InstanceMissing();
        }

        var partition = new Dictionary<string, string> { ["partitionKey"] = PartitionKey(key) };
        var built = new List<ActorStateOperation>();
        if (operations.ValueKind == JsonValueKind.Array)
        {
            foreach (var operation in operations.EnumerateArray())
            {
                built.Add(BuildOperation(key, operation, partition));
            }
        }

        var store = Store(ActorApiError.StateTransaction);
        try
        {
            await store.ExecuteAsync(built, context.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not ActorApiError)
        {
            throw ActorApiError.StateTransaction(ex.Message);
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private ActorStateOperation BuildOperation(ActorKey key, JsonElement operation, Dictionary<string, string> partition)
    {
        var type = operation.ValueKind == JsonValueKind.Object && operation.TryGetProperty("operation", out var op) && op.ValueKind == JsonValueKind.String
            ? op.GetString() ?? string.Empty
            : string.Empty;
        if (operation.ValueKind != JsonValueKind.Object
            || !operation.TryGetProperty("request", out var request)
            || request.ValueKind == JsonValueKind.Null)
        {
            throw ActorApiError.StateTransaction("request data is empty");
        }

        if (type.Length == 0)
        {
            throw ActorApiError.StateTransaction("operation is empty");
        }

        if (type is not ("upsert" or "delete"))
        {
            throw ActorApiError.StateTransaction($"operation type {type} not supported");
        }

        var stateKey = request.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() ?? string.Empty : string.Empty;
        if (stateKey.Length == 0)
        {
            throw ActorApiError.StateTransaction("missing key");
        }

        var etag = request.TryGetProperty("etag", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        if (type == "delete")
        {
            return new ActorStateOperation(StateKey(key, stateKey), null, etag, partition);
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (request.TryGetProperty("metadata", out var md) && md.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in md.EnumerateObject())
            {
                metadata[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
            }
        }

        if (!actorStateTtlEnabled && metadata.ContainsKey("ttlInSeconds"))
        {
            throw ActorApiError.StateTransaction("ttlInSeconds is not supported without the \"ActorStateTTL\" feature enabled");
        }

        foreach (var (name, partitionValue) in partition)
        {
            metadata[name] = partitionValue;
        }

        var value = request.TryGetProperty("value", out var v) ? Encoding.UTF8.GetBytes(v.GetRawText()) : "null"u8.ToArray();
        return new ActorStateOperation(StateKey(key, stateKey), value, etag, metadata);
    }

    private async Task InvokeAsync(HttpContext context, ActorKey key)
    {
        foreach (var (name, value) in new[] { ("actorType", key.Type), ("actorId", key.Id) })
        {
            if (NameProblem(value) is { } problem)
            {
                throw ActorApiError.BadRequest($"invalid {name}: {problem}");
            }
        }

        var method = Route(context, "method");
        if (method.AsSpan().IndexOfAny("#?\0") >= 0 || method.Any(c => c < 0x20 || c == 0x7f))
        {
            throw ActorApiError.BadRequest($"method contains forbidden character: \"{method}\"");
        }

        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var incoming = context.Request;
        var reentrancyId = incoming.Headers[ActorHeaders.ReentrancyId].FirstOrDefault();
        var appPath = "method/" + Uri.EscapeDataString(method) + incoming.QueryString.Value;

        HttpRequestMessage Build()
        {
            var request = new HttpRequestMessage { Content = new ByteArrayContent(body) };
            if (incoming.ContentType is { Length: > 0 } contentType)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }

            foreach (var (name, values) in incoming.Headers)
            {
                if (HopByHopHeaders.Contains(name) || name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
                {
                    request.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
                }
            }

            return request;
        }

        ActorAppResponse? response;
        try
        {
            response = await Cluster.CallAsync(key, appPath, Build, reentrancyId, retryLookup: true, context.RequestAborted);
        }
        catch (ActorStackDepthExceededException)
        {
            throw ActorApiError.StackDepth();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            throw ActorApiError.Invoke(ex.Message);
        }

        if (response is null)
        {
            throw ActorApiError.Invoke($"failed to lookup actor: did not find address for actor '{key}'");
        }

        if (response.StatusCode == StatusCodes.Status404NotFound)
        {
            throw ActorApiError.Invoke($"actor method not found: actors/{key.Type}/{key.Id}/method/{method}");
        }

        if (response.StatusCode != StatusCodes.Status200OK)
        {
            throw ActorApiError.Invoke($"error from actor service: ({response.StatusCode}) {Encoding.UTF8.GetString(response.Body)}");
        }

        // 200, including a remoting exception (X-DaprErrorResponseHeader): headers and body pass through unchanged.
        context.Response.StatusCode = StatusCodes.Status200OK;
        foreach (var (name, values) in response.Headers)
        {
            if (!HopByHopHeaders.Contains(name))
            {
                context.Response.Headers.Append(name, values);
            }
        }

        if (response.ContentType is { } responseType)
        {
            context.Response.ContentType = responseType;
        }

        await context.Response.Body.WriteAsync(response.Body, context.RequestAborted);
    }

    private sealed record ScheduleRequest(string? DueTime, string? Period, string? Ttl, string? Callback, bool? Overwrite);

    private static async Task<(ScheduleRequest Request, byte[]? Data)> ReadScheduleAsync(HttpContext context)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw ActorApiError.MalformedRequest("json: cannot unmarshal " + root.ValueKind.ToString().ToLowerInvariant() + " into request");
            }

            string? Text(string name) => Find(root, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

            var overwrite = Find(root, "overwrite") is { ValueKind: JsonValueKind.True or JsonValueKind.False } o ? o.GetBoolean() : (bool?)null;
            var data = Find(root, "data") is { } d ? Encoding.UTF8.GetBytes(d.GetRawText()) : null;
            return (new ScheduleRequest(Text("dueTime"), Text("period"), Text("ttl"), Text("callback"), overwrite), data);
        }
        catch (JsonException ex)
        {
            throw ActorApiError.MalformedRequest(ex.Message);
        }
    }

    /// <summary>Go's JSON decoder matches field names case-insensitively.</summary>
    private static JsonElement? Find(JsonElement obj, string name)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    private static string ValidatedName(HttpContext context)
    {
        var name = Route(context, "name");
        return NameProblem(name) is { } problem ? throw ActorApiError.BadRequest(problem) : name;
    }

    private bool HostsType(string actorType) => Host is { } host && host.Hosts(actorType);

    private async Task CreateReminderAsync(HttpContext context, ActorKey key)
    {
        RejectReserved(key.Type);
        var (request, data) = await ReadScheduleAsync(context);
        var name = ValidatedName(context);
        if (!HostsType(key.Type))
        {
            throw ActorApiError.ReminderNonHosted();
        }

        ActorSchedule schedule;
        try
        {
            schedule = ActorSchedule.Create(request.DueTime, request.Period, request.Ttl, Cluster.Time.GetUtcNow(), "reminder", $"{key}||{name}");
        }
        catch (FormatException ex)
        {
            throw ActorApiError.ReminderCreate(ex.Message);
        }

        var reminder = new ActorCallback(key, name, isTimer: false, schedule)
        {
            Data = data,
            DueTime = request.DueTime ?? string.Empty,
            Period = request.Period ?? string.Empty,
            Ttl = request.Ttl ?? string.Empty,
            Store = actorStateStore(),
        };
        if (!await Cluster.Callbacks.AddReminderAsync(reminder, request.Overwrite ?? true, context.RequestAborted))
        {
            throw ActorApiError.ReminderAlreadyExists(name);
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private async Task GetReminderAsync(HttpContext context, ActorKey key)
    {
        RejectReserved(key.Type);
        var name = Route(context, "name");
        if (!HostsType(key.Type))
        {
            throw ActorApiError.ReminderNonHosted();
        }

        var reminder = Cluster.Callbacks.GetReminder($"{key}||{name}") ?? throw ActorApiError.ReminderNotFound(name);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("actorID", reminder.Actor.Id);
            writer.WriteString("actorType", reminder.Actor.Type);
            if (reminder.Data is { Length: > 0 } reminderData)
            {
                writer.WritePropertyName("data");
                writer.WriteRawValue(reminderData, skipInputValidation: true);
            }

            if (reminder.DueTime.Length > 0)
            {
                writer.WriteString("dueTime", reminder.DueTime);
            }

            if (reminder.Period.Length > 0)
            {
                writer.WriteString("period", reminder.Period);
            }

            if (reminder.Schedule.Expiration is { } expiration)
            {
                writer.WriteString("ttl", expiration.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture));
            }

            writer.WriteEndObject();
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(buffer.ToArray(), context.RequestAborted);
    }

    private async Task DeleteReminderAsync(HttpContext context, ActorKey key)
    {
        RejectReserved(key.Type);
        var name = Route(context, "name");
        if (!HostsType(key.Type))
        {
            throw ActorApiError.ReminderNonHosted();
        }

        await Cluster.Callbacks.RemoveReminderAsync($"{key}||{name}", context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private async Task CreateTimerAsync(HttpContext context, ActorKey key)
    {
        RejectReserved(key.Type);
        var (request, data) = await ReadScheduleAsync(context);
        var name = ValidatedName(context);
        if (!HostsType(key.Type))
        {
            throw ActorApiError.TimerCreate($"can't create timer for actor {key}: actor type not registered");
        }

        ActorSchedule schedule;
        try
        {
            schedule = ActorSchedule.Create(request.DueTime, request.Period, request.Ttl, Cluster.Time.GetUtcNow(), "timer", $"{key}||{name}");
        }
        catch (FormatException ex)
        {
            throw ActorApiError.TimerCreate(ex.Message);
        }

        Cluster.Callbacks.AddTimer(new ActorCallback(key, name, isTimer: true, schedule)
        {
            Data = data,
            DueTime = request.DueTime ?? string.Empty,
            Period = request.Period ?? string.Empty,
            Ttl = request.Ttl ?? string.Empty,
            Callback = request.Callback,
        });
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private Task DeleteTimerAsync(HttpContext context, ActorKey key)
    {
        RejectReserved(key.Type);
        Cluster.Callbacks.RemoveTimer($"{key}||{Route(context, "name")}");
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }
}
