using Flipkart.Testing;

namespace Flipkart.ServiceDefaults.Tests.Events;

[Unit]
public sealed class DeterministicIdTests
{
    [Fact]
    public void From_IsAVersion8Rfc9562Guid_LaidOutBigEndian()
    {
        var id = DeterministicGuid.From("order\nalice\nk-1");

        Assert.Equal(8, id.Version);
        Assert.Equal(0b10, id.Variant >> 2);
        // The bytes of SHA-256("order\nalice\nk-1") in order, with the version and variant bits set: the ids ordering
        // gave orders before the kit existed, so a retried checkout still finds its order.
        Assert.Equal(Guid.Parse("b5d028fc-f270-894a-9ac3-9f3a625fe099"), id);
    }

    [Fact]
    public void DeterministicId_IsStable_AndDiffersByProducerSubjectAndType()
    {
        var order = Guid.NewGuid();

        Assert.Equal(IntegrationEvent.DeterministicId("ordering", order, "OrderConfirmed"), IntegrationEvent.DeterministicId("ordering", order, "OrderConfirmed"));
        Guid[] ids =
        [
            IntegrationEvent.DeterministicId("ordering", order, "OrderConfirmed"),
            IntegrationEvent.DeterministicId("ordering", order, "OrderCancelled"),
            IntegrationEvent.DeterministicId("payment", order, "OrderConfirmed"),
            IntegrationEvent.DeterministicId("ordering", Guid.NewGuid(), "OrderConfirmed"),
        ];
        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Equal(8, id.Version));
    }
}
