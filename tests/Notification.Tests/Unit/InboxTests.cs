using Flipkart.Notification.Domain;
using Flipkart.Testing;

namespace Notification.Tests.Unit;

[Unit]
public class InboxTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Retention = TimeSpan.FromDays(90);

    private static UserNotification Note(Guid orderId, NotificationKind kind, DateTimeOffset at) =>
        new(orderId, kind, "title", "message", ["email", "sms"], at);

    [Fact]
    public void TryAdd_RecordsOncePerOrderAndKind()
    {
        var inbox = Inbox.Empty("u1");
        var orderId = Guid.NewGuid();

        Assert.True(inbox.TryAdd(Note(orderId, NotificationKind.OrderCancelled, Now), Now, Retention, 500));
        Assert.False(inbox.TryAdd(Note(orderId, NotificationKind.OrderCancelled, Now.AddSeconds(1)), Now, Retention, 500));
        Assert.True(inbox.TryAdd(Note(orderId, NotificationKind.PaymentRefunded, Now), Now, Retention, 500));

        Assert.Equal(2, inbox.Notifications.Count);
    }

    [Fact]
    public void Page_ListsNewestFirst_AndPages()
    {
        var inbox = Inbox.Empty("u1");
        var orders = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();
        for (var i = 0; i < orders.Count; i++)
        {
            inbox.TryAdd(Note(orders[i], NotificationKind.OrderConfirmed, Now.AddMinutes(i)), Now, Retention, 500);
        }

        Assert.Equal([orders[4], orders[3]], inbox.Page(1, 2, Now, Retention).Select(n => n.OrderId));
        Assert.Equal([orders[0]], inbox.Page(3, 2, Now, Retention).Select(n => n.OrderId));
        Assert.Empty(inbox.Page(4, 2, Now, Retention));
    }

    [Fact]
    public void TryAdd_DropsOldestBeyondCapacityAndRetention()
    {
        var inbox = Inbox.Empty("u1");
        inbox.TryAdd(Note(Guid.NewGuid(), NotificationKind.OrderConfirmed, Now.AddDays(-100)), Now.AddDays(-100), Retention, 3);
        for (var i = 0; i < 4; i++)
        {
            inbox.TryAdd(Note(Guid.NewGuid(), NotificationKind.OrderConfirmed, Now.AddMinutes(i)), Now, Retention, 3);
        }

        Assert.Equal(3, inbox.Notifications.Count);
        Assert.All(inbox.Notifications, n => Assert.True(n.CreatedAt >= Now.AddMinutes(1)));
    }

    [Fact]
    public void Id_IsTheOrderAndKindPair()
    {
        var orderId = Guid.NewGuid();
        Assert.Equal(Note(orderId, NotificationKind.PaymentRefunded, Now).Id, Note(orderId, NotificationKind.PaymentRefunded, Now.AddDays(1)).Id);
        Assert.NotEqual(Note(orderId, NotificationKind.PaymentRefunded, Now).Id, Note(orderId, NotificationKind.OrderCancelled, Now).Id);
    }
}
