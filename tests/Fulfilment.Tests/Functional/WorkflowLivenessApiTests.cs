using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapr.Workflow;
using Flipkart.Fulfilment.Workflows;
using Flipkart.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.Fulfilment.Tests.Functional;

/// <summary>
/// The liveness report ("no workflow stuck") read from the embedded sidecar's workflow engine: a live delivery waits on
/// the courier's scan before its promise, one whose window closed is completed, and one terminated behind fulfilment's
/// back, or never started for a confirmed order, is reported stuck.
/// </summary>
[Functional]
public sealed class WorkflowLivenessApiTests(FulfilmentFixture fixture) : IClassFixture<FulfilmentFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(HttpStatusCode Status, JsonObject? Body)> LivenessAsync(Guid orderId, string query = "", string role = "admin")
    {
        using var client = fixture.CreateClient("ops-1", role);
        using var response = await client.GetAsync($"/api/fulfilment/admin/workflows/{orderId}{query}", Ct);
        return (response.StatusCode, response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonObject>(Ct) : null);
    }

    private Task<JsonObject> LivenessReachesAsync(Guid orderId, string state) =>
        Eventually.GetAsync(async () => await LivenessAsync(orderId) is { Body: { } body } && body["state"]!.GetValue<string>() == state ? body : null,
            $"the workflows of {orderId} are reported {state}");

    [Fact]
    public async Task A_handed_over_parcel_is_reported_waiting_on_the_courier_scan_until_its_promise()
    {
        var orderId = Guid.NewGuid();
        await fixture.ConfirmAsync(orderId);
        var shipment = await fixture.StageAsync(orderId, "HandedOver");

        var report = await LivenessReachesAsync(orderId, "Waiting");

        Assert.False(report["stuck"]!.GetValue<bool>());
        Assert.Equal(FulfilmentWorkflowIds.CourierScanEvent, report["awaitedEvent"]!.GetValue<string>());
        Assert.Equal(shipment["promisedBy"]!.GetValue<DateTimeOffset>(), report["deadline"]!.GetValue<DateTimeOffset>());
        Assert.Equal("Running", report["delivery"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Past_a_missed_promise_the_delivery_is_reported_waiting_until_its_final_deadline()
    {
        var orderId = Guid.NewGuid();
        await fixture.ConfirmAsync(orderId);
        var promisedBy = (await fixture.StageAsync(orderId, "HandedOver"))["promisedBy"]!.GetValue<DateTimeOffset>();

        await fixture.AdvanceUntilAsync(async () => (await fixture.ShipmentAsync(orderId))?["history"]!.AsArray().Any(h => h!["detail"]?.GetValue<string>()?.Contains("missed") == true) == true,
            TimeSpan.FromHours(12), "the promise timer reports the delay");

        // The final deadline comes from the workflow's own input (promise + LostAfter, 14 days by default).
        var report = await LivenessReachesAsync(orderId, "Waiting");
        Assert.Equal(promisedBy + TimeSpan.FromDays(14), report["deadline"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task A_delivery_whose_return_window_closed_is_reported_completed()
    {
        var orderId = Guid.NewGuid();
        await fixture.ConfirmAsync(orderId);
        await fixture.StageAsync(orderId, "HandedOver");
        using (var delivered = await fixture.ScanAsync(orderId, "delivered"))
        {
            Assert.Equal(HttpStatusCode.Accepted, delivered.StatusCode);
        }
        await fixture.StageAsync(orderId, "Delivered");
        Assert.Equal(FulfilmentWorkflowIds.ReturnRequestedEvent, (await LivenessReachesAsync(orderId, "Waiting"))["awaitedEvent"]!.GetValue<string>());

        await fixture.AdvanceUntilAsync(async () => (await LivenessAsync(orderId)).Body?["state"]?.GetValue<string>() == "Completed",
            TimeSpan.FromDays(1), "the return window closes and the delivery completes");
    }

    [Fact]
    public async Task A_delivery_terminated_behind_fulfilments_back_is_reported_stuck_with_its_status()
    {
        var orderId = Guid.NewGuid();
        await fixture.ConfirmAsync(orderId);
        await fixture.StageAsync(orderId, "HandedOver");
        await LivenessReachesAsync(orderId, "Waiting");

        // An operator's management client (the task hub API: fulfilment's sidecar keeps the workflow HTTP API off).
        await fixture.Factory.Services.GetRequiredService<DaprWorkflowClient>().TerminateWorkflowAsync(FulfilmentWorkflowIds.Delivery(orderId), output: null, Ct);

        var report = await LivenessReachesAsync(orderId, "Stuck");
        Assert.True(report["stuck"]!.GetValue<bool>());
        Assert.Contains("Terminated", report["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_confirmed_order_fulfilment_never_heard_of_is_stuck_after_the_grace_and_unknown_without_a_confirmation_time()
    {
        var orderId = Guid.NewGuid();
        var now = fixture.Time.GetUtcNow();

        Assert.Equal(HttpStatusCode.NotFound, (await LivenessAsync(orderId)).Status);
        var recent = await LivenessAsync(orderId, $"?confirmedAt={Uri.EscapeDataString(now.AddMinutes(-1).ToString("O"))}");
        Assert.Equal("Busy", recent.Body!["state"]!.GetValue<string>());
        var old = await LivenessAsync(orderId, $"?confirmedAt={Uri.EscapeDataString(now.AddHours(-1).ToString("O"))}");
        Assert.True(old.Body!["stuck"]!.GetValue<bool>());
        Assert.Contains("no delivery workflow", old.Body["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_report_is_for_admins_only()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await LivenessAsync(Guid.NewGuid(), role: "customer")).Status);
    }
}
