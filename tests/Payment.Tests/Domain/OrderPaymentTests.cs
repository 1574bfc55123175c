using Flipkart.Payment.Domain;
using Flipkart.Testing;

namespace Flipkart.Payment.Tests.Domain;

[Unit]
public sealed class OrderPaymentTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);
    private static readonly Guid OrderId = Guid.NewGuid();

    [Fact]
    public void Charged_RecordsExactlyOneCharge()
    {
        var payment = OrderPayment.Charged(OrderId, "u", 499m, "pay_1", T0);

        Assert.Equal(PaymentStatus.Charged, payment.Status);
        Assert.Equal([new ChargeEntry("pay_1", 499m, T0)], payment.Charges);
        Assert.Empty(payment.Refunds);
        Assert.True(payment.NeedsRefund);
    }

    [Fact]
    public void Charged_Throws_WhenAmountIsNotPositive() =>
        Assert.Throws<PaymentDomainException>(() => OrderPayment.Charged(OrderId, "u", 0m, "pay_1", T0));

    [Fact]
    public void Refund_RefundsOnce_AndIgnoresTheSecondRequest()
    {
        var payment = OrderPayment.Charged(OrderId, "u", 499m, "pay_1", T0);

        Assert.True(payment.Refund("rfnd_1", T0.AddMinutes(1)));
        Assert.False(payment.Refund("rfnd_2", T0.AddMinutes(2)));

        Assert.Equal(PaymentStatus.Refunded, payment.Status);
        Assert.Equal([new RefundEntry("rfnd_1", "pay_1", 499m, T0.AddMinutes(1))], payment.Refunds);
        Assert.False(payment.NeedsRefund);
    }

    [Fact]
    public void Refund_RefundsNothing_WhenDeclined()
    {
        var payment = OrderPayment.Declined(OrderId, "u", 499.13m, "declined", T0);

        Assert.False(payment.Refund("rfnd_1", T0.AddMinutes(1)));
        Assert.Empty(payment.Charges);
        Assert.Empty(payment.Refunds);
    }

    [Fact]
    public void Refund_RefundsNothing_WhenVoided()
    {
        var payment = OrderPayment.Voided(OrderId, "u", T0);

        Assert.False(payment.Refund("rfnd_1", T0.AddMinutes(1)));
        Assert.Equal(PaymentStatus.Voided, payment.Status);
    }

    [Fact]
    public void OrderPayment_RoundTripsThroughJson()
    {
        var payment = OrderPayment.Charged(OrderId, "u", 499m, "pay_1", T0);
        payment.Refund("rfnd_1", T0.AddMinutes(1));
        var options = Flipkart.ServiceDefaults.Extensions.ConfigureJson(new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));

        var copy = System.Text.Json.JsonSerializer.Deserialize<OrderPayment>(System.Text.Json.JsonSerializer.Serialize(payment, options), options)!;

        Assert.Equal(payment.Status, copy.Status);
        Assert.Equal(payment.Charges, copy.Charges);
        Assert.Equal(payment.Refunds, copy.Refunds);
    }

    [Fact]
    public void AnIntent_BelongsToItsDelivery_UntilItsLeaseLapses()
    {
        var first = Guid.NewGuid();
        var payment = OrderPayment.Intent(OrderId, "u", 499m, first, T0);
        var lease = TimeSpan.FromSeconds(30);

        Assert.True(payment.MayCharge(first, T0.AddSeconds(1), lease));
        Assert.False(payment.MayCharge(Guid.NewGuid(), T0.AddSeconds(29), lease));
        var second = Guid.NewGuid();
        Assert.True(payment.MayCharge(second, T0.AddSeconds(30), lease));
        payment.TakeOver(second, T0.AddSeconds(30));
        Assert.False(payment.MayCharge(first, T0.AddSeconds(31), lease));
    }

    [Fact]
    public void AVoidedIntent_StillNeedsTheProvidersChargeVoided_AndIsNeverRefunded()
    {
        var payment = OrderPayment.Intent(OrderId, "u", 499m, Guid.NewGuid(), T0);
        Assert.True(payment.NeedsVoid);

        payment.VoidIntent(T0.AddSeconds(5));

        Assert.Equal(PaymentStatus.Voided, payment.Status);
        Assert.True(payment.NeedsVoid);
        Assert.False(payment.NeedsRefund);
        Assert.False(OrderPayment.Voided(OrderId, "u", T0).NeedsVoid);   // cancelled before any charge was attempted
        Assert.Throws<PaymentDomainException>(() => payment.VoidIntent(T0.AddSeconds(6)));
    }
}
