using System.Text.Json;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// How a service reads another service's answers (invocation replies): camelCase, enums as strings, members it does
/// not know skipped, so the other service adding a field never breaks this one. State is read the same way (the
/// DaprClient's options); client input stays strict.
/// </summary>
public static class TolerantJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = Extensions.ConfigureJson(new JsonSerializerOptions(JsonSerializerDefaults.Web), strict: false);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
