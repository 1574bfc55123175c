using Flipkart.Testing;

namespace Notification.Tests.Functional;

/// <summary>Notification without its sidecar: inbox reads are an outage answer (503 with Retry-After), never a 500.</summary>
[Functional]
public sealed class OutageTests(NotificationApiFixture fixture) : IClassFixture<NotificationApiFixture>
{
    [Fact]
    public async Task InboxReads_Answer503WithRetryAfter_WhenTheSidecarIsDown()
    {
        await using var notification = fixture.WithSidecarDown();
        using var client = notification.CreateClient().As("u-outage");

        using var response = await client.GetAsync("/api/notifications", TestContext.Current.CancellationToken);

        await Outage.AssertAnswered503Async(response);
    }
}
