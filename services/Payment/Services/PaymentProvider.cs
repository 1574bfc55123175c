using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Flipkart.Payment.Services;

public sealed record ChargeResult(bool Succeeded, string PaymentId, string? DeclineReason);

/// <summary>
/// The card processor. Every call carries the order id as its idempotency key, as real providers (Stripe,
/// Razorpay) support: asking twice for the same order yields the same charge, never a second one.
/// </summary>
public interface IPaymentProvider
{
    Task<ChargeResult> ChargeAsync(Guid orderId, string? userId, decimal amount, CancellationToken cancellationToken);

    Task<string> RefundAsync(Guid orderId, string paymentId, decimal amount, CancellationToken cancellationToken);

    /// <summary>
    /// Releases a charge that lost the race against the order's cancellation or whose record was lost; idempotent. A
    /// null <paramref name="paymentId"/> voids whatever charge the order's idempotency key made, if any.
    /// </summary>
    Task VoidAsync(Guid orderId, string? paymentId, CancellationToken cancellationToken);
}

/// <summary>
/// A simulated provider: configurable latency, a failure rate decided per order id (so retries agree), and a
/// deterministic decline rules (amounts ending in given paise, buyers with a given user-id prefix) that tests use to force a failure.
/// </summary>
public sealed class SimulatedPaymentProvider(IOptionsMonitor<PaymentOptions> options, TimeProvider time, ILogger<SimulatedPaymentProvider> logger) : IPaymentProvider
{
    public async Task<ChargeResult> ChargeAsync(Guid orderId, string? userId, decimal amount, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        await DelayAsync(settings, cancellationToken);
        var paymentId = $"pay_{orderId:N}";

        if (amount <= 0)
        {
            return new ChargeResult(false, paymentId, "Invalid amount");
        }
        if (settings.DeclineAmountsEndingInPaise is { } paise && decimal.Round(amount * 100m) % 100m == paise)
        {
            return new ChargeResult(false, paymentId, $"Card declined (test amount ending in .{paise:00})");
        }
        if (settings.DeclineUserIdPrefix is { Length: > 0 } prefix && userId?.StartsWith(prefix, StringComparison.Ordinal) == true)
        {
            return new ChargeResult(false, paymentId, "Card declined (test buyer)");
        }
        if (settings.FailureRate > 0 && UnitInterval(orderId) < settings.FailureRate)
        {
            return new ChargeResult(false, paymentId, "Card declined by issuer");
        }
        return new ChargeResult(true, paymentId, null);
    }

    public async Task<string> RefundAsync(Guid orderId, string paymentId, decimal amount, CancellationToken cancellationToken)
    {
        await DelayAsync(options.CurrentValue, cancellationToken);
        return $"rfnd_{orderId:N}";
    }

    public Task VoidAsync(Guid orderId, string? paymentId, CancellationToken cancellationToken)
    {
        logger.LogInformation("Voided unrecorded charge {PaymentId} of cancelled order {OrderId}", paymentId ?? $"pay_{orderId:N}", orderId);
        return Task.CompletedTask;
    }

    private Task DelayAsync(PaymentOptions settings, CancellationToken cancellationToken) =>
        settings.Latency > TimeSpan.Zero ? Task.Delay(settings.Latency, time, cancellationToken) : Task.CompletedTask;

    // A stable pseudo-random number in [0, 1) per order.
    private static double UnitInterval(Guid orderId) =>
        BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(orderId.ToString("N"))), 0) / (uint.MaxValue + 1.0);
}
