using Flipkart.Notification.Domain;
using Flipkart.Notification.Infrastructure;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Flipkart.Notification.Apis;

public static class NotificationsApi
{
    public const int MaxPageSize = 100;

    public static IEndpointRouteBuilder MapNotificationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("api/notifications")
            .WithTags("Notifications")
            .RequireAuthorization();

        api.MapGet("/", GetMyNotifications).WithName("GetMyNotifications");
        return app;
    }

    /// <summary>The caller's notifications, newest first.</summary>
    public static async Task<Results<Ok<NotificationPage>, ProblemHttpResult>> GetMyNotifications(
        CallerIdentity caller, NotificationStore store, IOptionsMonitor<NotificationOptions> options, TimeProvider time,
        CancellationToken cancellationToken, int page = 1, int pageSize = 20)
    {
        if (page < 1 || pageSize is < 1 or > MaxPageSize)
        {
            return TypedResults.Problem($"page starts at 1; pageSize is 1-{MaxPageSize}.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid paging");
        }

        var userId = caller.UserId;
        var inbox = await store.GetInboxAsync(userId, cancellationToken) ?? Inbox.Empty(userId);
        var now = time.GetUtcNow();
        var retention = options.CurrentValue.Retention;
        var items = inbox.Page(page, pageSize, now, retention)
            .Select(n => new NotificationResponse(n.Id, n.OrderId, n.Kind, n.Title, n.Message, n.Channels, n.CreatedAt))
            .ToList();
        return TypedResults.Ok(new NotificationPage(items, page, pageSize, inbox.Count(now, retention)));
    }
}

public sealed record NotificationPage(IReadOnlyList<NotificationResponse> Items, int Page, int PageSize, int TotalCount);

public sealed record NotificationResponse(string Id, Guid OrderId, NotificationKind Kind, string Title, string Message, IReadOnlyList<string> Channels, DateTimeOffset CreatedAt);
