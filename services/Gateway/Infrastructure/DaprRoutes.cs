using Flipkart.ServiceDefaults;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Flipkart.Gateway.Infrastructure;

/// <summary>
/// The public route table. Every route goes to the gateway's own Dapr sidecar, which invokes the target app
/// named by the <c>dapr-app-id</c> header: no service address appears anywhere in the gateway. Paths are
/// forwarded unchanged, so each service maps its own <c>api/...</c> prefix.
/// </summary>
public static class DaprRoutes
{
    public const string AppIdMetadata = "DaprAppId";
    public const string AnonymousPolicy = "anonymous";
    public const string AuthenticatedPolicy = "default";
    private const string Cluster = "dapr";
    public const string StreamingCluster = "dapr-streaming";

    private static readonly string[] ReadMethods = ["GET", "HEAD"];

    /// <summary>Apps whose OpenAPI documents the gateway republishes at <c>/openapi/{app}.json</c>.</summary>
    public static readonly string[] DocumentedApps = [AppIds.Catalog, AppIds.Cart, AppIds.Inventory, AppIds.Ordering, AppIds.Payment, AppIds.Notification, AppIds.Fulfilment];

    /// <summary>The public routes; <paramref name="apiDocs"/> adds the services' OpenAPI documents (off in Production by default).</summary>
    public static IReadOnlyList<RouteConfig> Routes(bool apiDocs = true)
    {
        List<RouteConfig> routes =
        [
            // Browsing the catalog is open to everyone; changing it is not (the catalog checks the admin role).
            Route("catalog-read", "/api/catalog/{**rest}", AppIds.Catalog, AnonymousPolicy, ReadMethods, order: -1),
            Route("catalog", "/api/catalog/{**rest}", AppIds.Catalog, AuthenticatedPolicy),
            Route("cart", "/api/cart/{**rest}", AppIds.Cart, AuthenticatedPolicy),
            // A product's availability is shown to shoppers before they sign in; stock levels and restocks are not.
            Route("inventory-availability", "/api/inventory/{productId}/availability", AppIds.Inventory, AnonymousPolicy, ReadMethods, order: -1),
            Route("inventory", "/api/inventory/{**rest}", AppIds.Inventory, AuthenticatedPolicy),
            // Order events are a server-sent event stream served by notification: its own long-idle cluster.
            Route("order-events", "/api/orders/{orderId}/events", AppIds.Notification, AuthenticatedPolicy, ReadMethods, StreamingCluster, order: -2),
            Route("orders", "/api/orders/{**rest}", AppIds.Ordering, AuthenticatedPolicy),
            Route("notifications", "/api/notifications/{**rest}", AppIds.Notification, AuthenticatedPolicy),
            Route("payments", "/api/payments/{**rest}", AppIds.Payment, AuthenticatedPolicy),
            // The courier has no account here: fulfilment authenticates its webhook by an HMAC signature instead.
            Route("courier-events", "/api/fulfilment/courier-events", AppIds.Fulfilment, AnonymousPolicy, ["POST"], order: -1),
            Route("fulfilment", "/api/fulfilment/{**rest}", AppIds.Fulfilment, AuthenticatedPolicy),
        ];

        if (!apiDocs)
        {
            return routes;
        }
        routes.AddRange(DocumentedApps.Select(app => Route($"openapi-{app}", $"/openapi/{app}.json", app, AnonymousPolicy, ReadMethods) with
        {
            Transforms = [new Dictionary<string, string> { ["PathSet"] = "/openapi/v1.json" }],
        }));
        return routes;
    }

    public static IReadOnlyList<ClusterConfig> Clusters(Uri sidecarHttpEndpoint, GatewayOptions options)
    {
        var destinations = new Dictionary<string, DestinationConfig> { ["sidecar"] = new() { Address = sidecarHttpEndpoint.ToString() } };
        return
        [
            new ClusterConfig
            {
                ClusterId = Cluster,
                Destinations = destinations,
                HttpRequest = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(options.ProxyTimeoutSeconds) },
            },
            new ClusterConfig
            {
                ClusterId = StreamingCluster,
                Destinations = destinations,
                HttpRequest = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromMinutes(options.StreamingTimeoutMinutes) },
            },
        ];
    }

    private static RouteConfig Route(string id, string path, string appId, string policy, string[]? methods = null, string cluster = Cluster, int? order = null) => new()
    {
        RouteId = id,
        ClusterId = cluster,
        AuthorizationPolicy = policy,
        Order = order,
        Match = new RouteMatch { Path = path, Methods = methods },
        Metadata = new Dictionary<string, string> { [AppIdMetadata] = appId },
    };
}
