namespace Flipkart.ServiceDefaults;

/// <summary>
/// Dapr component names. They are identical in every profile under <c>components/</c>;
/// only the component types behind them change.
/// </summary>
public static class DaprComponents
{
    public const string PubSub = "pubsub";
    public const string CatalogStore = "catalog-store";
    public const string CartStore = "cart-store";
    public const string OrderStore = "order-store";
    public const string InventoryStore = "inventory-store";
    public const string PaymentStore = "payment-store";
    public const string NotificationStore = "notification-store";
    public const string FulfilmentStore = "fulfilment-store";
    public const string ActorStore = "actor-store";
    public const string Cache = "cache";
    public const string SecretStore = "secretstore";
}

/// <summary>Dapr app-ids, identical in dapr.yaml, component scopes, k8s annotations and access control.</summary>
public static class AppIds
{
    public const string Gateway = "gateway";
    public const string Catalog = "catalog";
    public const string Cart = "cart";
    public const string Inventory = "inventory";
    public const string Ordering = "ordering";
    public const string Payment = "payment";
    public const string Notification = "notification";
    public const string Fulfilment = "fulfilment";
}

/// <summary>One topic per publishing service; the event name travels as the CloudEvent <c>type</c>.</summary>
public static class Topics
{
    public const string Catalog = "catalog";
    public const string Orders = "orders";
    public const string Inventory = "inventory";
    public const string Payments = "payments";
    public const string Fulfilment = "fulfilment";
}
