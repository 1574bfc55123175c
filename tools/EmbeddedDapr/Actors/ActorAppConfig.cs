using System.Text.Json;

namespace Flipkart.EmbeddedDapr.Actors;

/// <summary>Per-type actor settings daprd takes from the app's <c>GET /dapr/config</c>.</summary>
public sealed record ActorTypeSettings(string ActorType, TimeSpan IdleTimeout, bool ReentrancyEnabled, int MaxStackDepth)
{
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(60);

    public const int DefaultMaxStackDepth = 32;
}

/// <summary>
/// Parses the app's actor configuration as daprd does: <c>entities</c> with top-level options, and
/// <c>entitiesConfig</c> entries that replace them for the types they list (missing values fall back to daprd's
/// defaults, not to the top level). Property names match case-insensitively, like Go's JSON decoder. An
/// unparseable idle timeout keeps the default, as daprd logs and continues.
/// </summary>
public static class ActorAppConfig
{
    public static IReadOnlyDictionary<string, ActorTypeSettings> Parse(ReadOnlySpan<byte> json)
    {
        var result = new Dictionary<string, ActorTypeSettings>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return result;
        }

        var topLevel = ReadOptions(root);
        foreach (var type in ReadEntities(root))
        {
            result[type] = topLevel(type);
        }

        if (TryGetProperty(root, "entitiesConfig", out var entitiesConfig) && entitiesConfig.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in entitiesConfig.EnumerateArray())
            {
                if (entry.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                var options = ReadOptions(entry);
                foreach (var type in ReadEntities(entry))
                {
                    // daprd only honours per-type config for types the app registered in "entities".
                    if (result.ContainsKey(type))
                    {
                        result[type] = options(type);
                    }
                }
            }
        }

        return result;
    }

    private static IEnumerable<string> ReadEntities(JsonElement element)
    {
        if (!TryGetProperty(element, "entities", out var entities) || entities.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var item in entities.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 } name)
            {
                yield return name;
            }
        }
    }

    private static Func<string, ActorTypeSettings> ReadOptions(JsonElement element)
    {
        var idle = ActorTypeSettings.DefaultIdleTimeout;
        if (TryGetProperty(element, "actorIdleTimeout", out var idleElement)
            && idleElement.ValueKind == JsonValueKind.String
            && idleElement.GetString() is { Length: > 0 } idleText
            && ActorTimeFormats.TryParseGoDuration(idleText, out var parsedIdle))
        {
            idle = parsedIdle;
        }

        var reentrancy = false;
        var depth = ActorTypeSettings.DefaultMaxStackDepth;
        if (TryGetProperty(element, "reentrancy", out var reentrancyElement) && reentrancyElement.ValueKind == JsonValueKind.Object)
        {
            if (TryGetProperty(reentrancyElement, "enabled", out var enabled) && enabled.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                reentrancy = enabled.GetBoolean();
            }

            if (TryGetProperty(reentrancyElement, "maxStackDepth", out var maxDepth) && maxDepth.ValueKind == JsonValueKind.Number && maxDepth.TryGetInt32(out var parsedDepth))
            {
                depth = parsedDepth;
            }
        }

        return type => new ActorTypeSettings(type, idle, reentrancy, depth);
    }

    private static bool TryGetProperty(JsonElement element, string name, out JsonElement value)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }
}
