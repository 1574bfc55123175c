using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flipkart.EmbeddedDapr.Errors;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.Secrets;
using Flipkart.EmbeddedDapr.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.EmbeddedDapr.HttpApi;

/// <summary>The core routes of daprd's HTTP API (health, invocation, state, secrets, metadata, shutdown).</summary>
internal static class DaprHttpApi
{
    private static readonly string[] AllVerbs = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

    public static void MapDaprHttpApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/v1.0/healthz", Healthz);
        endpoints.MapGet("/v1.0/healthz/outbound", () => Results.NoContent());

        endpoints.MapMethods("/v1.0/invoke/{appId}/method/{**method}", AllVerbs,
            (HttpContext context, string appId, string? method, ServiceInvoker invoker) => InvokeAsync(context, appId, method ?? "", invoker));

        endpoints.MapGet("/v1.0/state/{store}/{key}", GetStateAsync);
        endpoints.MapPost("/v1.0/state/{store}", SaveStateAsync);
        endpoints.MapDelete("/v1.0/state/{store}/{key}", DeleteStateAsync);
        endpoints.MapPost("/v1.0/state/{store}/bulk", GetBulkStateAsync);
        endpoints.MapPost("/v1.0/state/{store}/transaction", TransactionAsync);

        endpoints.MapGet("/v1.0/secrets/{store}/bulk", GetBulkSecretAsync);
        endpoints.MapGet("/v1.0/secrets/{store}/{key}", GetSecretAsync);

        endpoints.MapGet("/v1.0/metadata", (SidecarContext sidecar, IServiceProvider services) =>
            Results.Text(MetadataBuilder.ToHttpJson(MetadataBuilder.Build(sidecar, services)).ToJsonString(), "application/json"));
        endpoints.MapPut("/v1.0/metadata/{key}", async (HttpContext context, string key, SidecarContext sidecar) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            sidecar.ExtendedMetadata[key] = await reader.ReadToEndAsync(context.RequestAborted);
            return Results.NoContent();
        });
        endpoints.MapPost("/v1.0/shutdown", (SidecarContext sidecar) =>
        {
            _ = Task.Run(async () =>
            {
                await Task.Delay(50);
                await sidecar.Sidecar.StopAsync();
            });
            return Results.NoContent();
        });
    }

    private static IResult Healthz(HttpContext context, SidecarContext sidecar)
    {
        if (context.Request.Query.TryGetValue("appid", out var appId) && appId.ToString() != sidecar.AppId)
        {
            return Error(DaprErrors.Legacy(Grpc.Core.StatusCode.Internal, 500, "ERR_HEALTH_APPID_NOT_MATCH", "dapr app-id does not match"));
        }
        // Ready once the app answered on its channel (or immediately when the sidecar has no app).
        if (sidecar.AppChannel is not null && !sidecar.AppReady.IsCompletedSuccessfully)
        {
            return Error(DaprErrors.Legacy(Grpc.Core.StatusCode.Internal, 500, "ERR_HEALTH_NOT_READY", "dapr is not ready"));
        }
        return Results.NoContent();
    }

    private static async Task InvokeAsync(HttpContext context, string appId, string method, ServiceInvoker invoker)
    {
        if (appId.Count(c => c == '.') > 1)
        {
            await DaprErrors.Legacy(Grpc.Core.StatusCode.InvalidArgument, 400, "ERR_DIRECT_INVOKE", $"invalid app id: {appId}").WriteHttpAsync(context);
            return;
        }
        // A namespaced id (app.namespace) resolves to the app; self-hosted clusters have a single namespace.
        var target = appId.Split('.')[0];
        var normalized = method.Replace('\\', '/');
        if (normalized.Split('/').Any(segment => segment == ".."))
        {
            await DaprErrors.MalformedRequest($"method {method} contains a forbidden path segment").WriteHttpAsync(context);
            return;
        }
        await invoker.InvokeAsync(context, target, normalized);
    }

    private static async Task<IResult> GetStateAsync(HttpContext context, string store, string key, StateApi api)
    {
        try
        {
            var result = await api.GetAsync(store, key, context.RequestAborted);
            if (!result.Found)
            {
                return Results.NoContent();
            }
            if (result.ETag.Length > 0)
            {
                context.Response.Headers.ETag = result.ETag;
            }
            if (result.ExpiresAt is { } at)
            {
                context.Response.Headers["metadata.ttlExpireTime"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
            }
            return Results.Bytes(result.Data!, "application/json");
        }
        catch (DaprApiException ex)
        {
            return Error(ex);
        }
    }

    private static async Task<IResult> SaveStateAsync(HttpContext context, string store, StateApi api)
    {
        try
        {
            var json = await ReadJsonAsync(context) as JsonArray
                ?? throw DaprErrors.MalformedRequest("failed deserializing HTTP body: expected an array of state items");
            var items = json.Select(n => ToItem(n as JsonObject ?? throw DaprErrors.MalformedRequest("failed deserializing HTTP body: item is not an object"), withValue: true)).ToArray();
            await api.SaveAsync(store, items, context.RequestAborted);
            return Results.NoContent();
        }
        catch (DaprApiException ex)
        {
            return Error(ex);
        }
    }

    private static async Task<IResult> DeleteStateAsync(HttpContext context, string store, string key, StateApi api)
    {
        try
        {
            var etag = context.Request.Headers.IfMatch.ToString();
            var concurrency = context.Request.Query["concurrency"].ToString();
            var metadata = QueryMetadata(context);
            await api.DeleteAsync(store, new StateRequestItem(key, null, etag.Length > 0 ? etag : null, concurrency, metadata), context.RequestAborted);
            return Results.NoContent();
        }
        catch (DaprApiException ex)
        {
            return Error(ex);
        }
    }

    private static async Task<IResult> GetBulkStateAsync(HttpContext context, string store, StateApi api)
    {
        try
        {
            var json = await ReadJsonAsync(context) as JsonObject
                ?? throw DaprErrors.MalformedRequest("failed deserializing HTTP body: expected an object");
            var keys = (json["keys"] as JsonArray ?? []).Select(k => k?.ToString() ?? "").ToArray();
            var results = await api.GetBulkAsync(store, keys, context.RequestAborted);
            var array = new JsonArray();
            foreach (var r in results)
            {
                var item = new JsonObject { ["key"] = r.Key };
                if (r.Result is { Found: true } found)
                {
                    item["data"] = ParseOrString(found.Data!);
                    if (found.ETag.Length > 0)
                    {
                        item["etag"] = found.ETag;
                    }
                }
                if (r.Error.Length > 0)
                {
                    item["error"] = r.Error;
                }
                array.Add(item);
            }
            return Results.Text(array.ToJsonString(), "application/json");
        }
        catch (DaprApiException ex)
        {
            return Error(ex);
        }
    }

    private static async Task<IResult> TransactionAsync(HttpContext context, string store, StateApi api)
    {
        try
        {
            var json = await ReadJsonAsync(context) as JsonObject
                ?? throw DaprErrors.MalformedRequest("failed deserializing HTTP body: expected an object");
            var operations = (json["operations"] as JsonArray ?? [])
                .OfType<JsonObject>()
                .Select(o => (o["operation"]?.ToString() ?? "", ToItem(o["request"] as JsonObject ?? [], withValue: true)))
                .ToArray();
            var metadata = Strings(json["metadata"] as JsonObject);
            await api.TransactAsync(store, operations, metadata, context.RequestAborted);
            return Results.NoContent();
        }
        catch (DaprApiException ex)
        {
            return Error(ex);
        }
    }

    private static IResult GetSecretAsync(HttpContext context, string store, string key, SidecarContext sidecar)
    {
        try
        {
            var values = SecretsApi.Get(sidecar, store, key, QueryMetadata(context));
            return Results.Text(JsonSerializer.Serialize(values), "application/json");
        }
        catch (DaprApiException ex)
        {
            return Error(ex);
        }
    }

    private static IResult GetBulkSecretAsync(HttpContext context, string store, SidecarContext sidecar)
    {
        try
        {
            var values = SecretsApi.BulkGet(sidecar, store, QueryMetadata(context));
            return Results.Text(JsonSerializer.Serialize(values), "application/json");
        }
        catch (DaprApiException ex)
        {
            return Error(ex);
        }
    }

    internal static IResult Error(DaprApiException ex) =>
        Results.Text(ex.ToHttpBody().ToJsonString(), "application/json", Encoding.UTF8, ex.HttpStatus);

    private static StateRequestItem ToItem(JsonObject item, bool withValue)
    {
        var options = item["options"] as JsonObject;
        var value = item["value"];
        return new StateRequestItem(
            item["key"]?.ToString() ?? "",
            withValue && value is not null ? Encoding.UTF8.GetBytes(value.ToJsonString()) : null,
            item["etag"]?.ToString(),
            options?["concurrency"]?.ToString() ?? "",
            Strings(item["metadata"] as JsonObject));
    }

    private static Dictionary<string, string> Strings(JsonObject? obj) =>
        obj?.ToDictionary(kv => kv.Key, kv => kv.Value?.ToString() ?? "") ?? [];

    private static Dictionary<string, string> QueryMetadata(HttpContext context) =>
        context.Request.Query
            .Where(q => q.Key.StartsWith("metadata.", StringComparison.Ordinal))
            .ToDictionary(q => q.Key["metadata.".Length..], q => q.Value.ToString());

    private static JsonNode? ParseOrString(byte[] data)
    {
        try
        {
            return JsonNode.Parse(data);
        }
        catch (JsonException)
        {
            return Encoding.UTF8.GetString(data);
        }
    }

    private static async Task<JsonNode?> ReadJsonAsync(HttpContext context)
    {
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException ex)
        {
            throw DaprErrors.MalformedRequest($"failed deserializing HTTP body: {ex.Message}");
        }
    }
}
