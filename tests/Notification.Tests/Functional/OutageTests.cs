using System.Net;
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

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a 503 says when to come back");
    }
}
