namespace Flipkart.Notification.Domain;

/// <summary>
/// Whether a repeated (order, kind) adds a notification. Production keeps one per pair, which is what makes the
/// consumer idempotent. <see cref="AllowDuplicates"/> exists for one purpose: a test host injects it (in place of
/// this service's registration) to prove its duplicate-delivery scenario catches a consumer that is not idempotent.
/// </summary>
public sealed record InboxPolicy(bool OnePerOrderAndKind)
{
    public static readonly InboxPolicy Default = new(OnePerOrderAndKind: true);

    public static readonly InboxPolicy AllowDuplicates = new(OnePerOrderAndKind: false);
}
