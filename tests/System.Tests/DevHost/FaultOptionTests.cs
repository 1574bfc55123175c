using Flipkart.DevHost;
using Flipkart.DevHost.Sidecars;

namespace Flipkart.SystemTests.DevHost;

public sealed class FaultOptionTests
{
    [Fact]
    public void Bare_fault_names_turn_on_each_fault_with_its_default()
    {
        var faults = EmbeddedSidecarCluster.ParseFaults(["duplicate", "reorder", "delay", "failDeliveries", "failPublishes"]);

        Assert.Equal(1, faults.DuplicateDeliveries);
        Assert.Equal(8, faults.ReorderWindow);
        Assert.Equal(TimeSpan.FromMilliseconds(50), faults.DeliveryDelay);
        Assert.Equal(3, faults.FailFirstDeliveries);
        Assert.Equal(1, faults.FailPublishes);
    }

    [Fact]
    public void Explicit_values_and_narrowing_pass_through_to_the_sidecar()
    {
        var faults = EmbeddedSidecarCluster.ParseFaults(["duplicate=3", "topic=orders", "app=ordering"]);

        Assert.Equal(3, faults.DuplicateDeliveries);
        Assert.Equal("orders", faults.Topic);
        Assert.Equal("ordering", faults.AppId);
        Assert.Equal(0, faults.ReorderWindow);
    }

    [Theory]
    [InlineData("gremlins")]
    [InlineData("gremlins=1")]
    public void An_unknown_fault_is_refused_naming_the_known_ones(string fault)
    {
        var error = Assert.Throws<DevHostException>(() => EmbeddedSidecarCluster.ParseFaults([fault]));

        Assert.Contains("--fault", error.Message);
        Assert.Contains("duplicate", error.Message);
    }

    [Fact]
    public void An_invocation_fault_keeps_its_own_settings_together_and_reaches_the_injector_parsed()
    {
        var options = CommandLine.Parse(["--fault", "duplicate", "--fault", "invoke:loseEvery=5,target=ordering,method=api/orders"]);
        var fault = EmbeddedSidecarCluster.ParseInvocationFault(options.Faults[1]);

        Assert.Equal(["duplicate", "invoke:loseEvery=5,target=ordering,method=api/orders"], options.Faults);
        Assert.Equal((5, "ordering", "api/orders"), (fault.LoseEvery, fault.Target, fault.Method));
        Assert.Contains("loseReplies", Assert.Throws<DevHostException>(() => EmbeddedSidecarCluster.ParseInvocationFault("invoke:gremlins=1")).Message);
    }

    [Fact]
    public void A_configuration_file_is_selected_by_its_metadata_name()
    {
        var local = Path.Combine(Repository.Root, "components", "local");

        Assert.Equal("gateway-config", EmbeddedSidecarCluster.ConfigurationName(Path.Combine(local, "gateway-config.yaml")));
        Assert.Equal("appconfig", EmbeddedSidecarCluster.ConfigurationName(Path.Combine(local, "appconfig.yaml")));
        Assert.Null(EmbeddedSidecarCluster.ConfigurationName(null));
        Assert.Throws<DevHostException>(() => EmbeddedSidecarCluster.ConfigurationName(Path.Combine(local, "missing.yaml")));
    }
}
