using System.Text.Json.Nodes;

namespace Flipkart.Deployment.Tests.Kustomize;

/// <summary>RFC 6902 on a JSON tree: add, remove, replace and test (what the overlays use).</summary>
public static class JsonPatch
{
    public static void Apply(JsonNode document, JsonArray operations, string source)
    {
        foreach (var operation in operations.OfType<JsonObject>())
        {
            var op = operation["op"]?.GetValue<string>() ?? throw new PatchException($"{source}: operation without `op`");
            var path = operation["path"]?.GetValue<string>() ?? throw new PatchException($"{source}: {op} without `path`");
            var value = operation["value"]?.DeepClone();
            var (parent, last) = Locate(document, path, source);
            switch (op)
            {
                case "test":
                    var actual = Get(parent, last, path, source);
                    if (!JsonNode.DeepEquals(actual, value))
                    {
                        throw new PatchException($"{source}: test failed at {path}: expected {value?.ToJsonString() ?? "null"}, found {actual?.ToJsonString() ?? "null"}");
                    }
                    break;
                case "replace":
                    Get(parent, last, path, source);
                    Set(parent, last, value, insert: false, path, source);
                    break;
                case "add":
                    Set(parent, last, value, insert: true, path, source);
                    break;
                case "remove":
                    Get(parent, last, path, source);
                    if (parent is JsonObject removeFrom)
                    {
                        removeFrom.Remove(last);
                    }
                    else
                    {
                        ((JsonArray)parent).RemoveAt(Index(last, ((JsonArray)parent).Count - 1, path, source));
                    }
                    break;
                default:
                    throw new PatchException($"{source}: operation '{op}' is not supported by this composer");
            }
        }
    }

    private static (JsonNode Parent, string Last) Locate(JsonNode document, string path, string source)
    {
        if (!path.StartsWith('/'))
        {
            throw new PatchException($"{source}: path '{path}' must start with '/'");
        }
        var tokens = path[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
        var node = document;
        foreach (var token in tokens[..^1])
        {
            node = Get(node, token, path, source) ?? throw new PatchException($"{source}: {path}: '{token}' is null");
        }
        return (node, tokens[^1]);
    }

    private static JsonNode? Get(JsonNode parent, string token, string path, string source) => parent switch
    {
        JsonObject obj when obj.TryGetPropertyValue(token, out var child) => child,
        JsonArray array => array[Index(token, array.Count - 1, path, source)],
        _ => throw new PatchException($"{source}: {path} does not exist"),
    };

    private static void Set(JsonNode parent, string token, JsonNode? value, bool insert, string path, string source)
    {
        if (parent is JsonObject obj)
        {
            obj[token] = value;
            return;
        }
        var array = (JsonArray)parent;
        if (insert && token == "-")
        {
            array.Add(value);
        }
        else if (insert)
        {
            array.Insert(Index(token, array.Count, path, source), value);
        }
        else
        {
            array[Index(token, array.Count - 1, path, source)] = value;
        }
    }

    private static int Index(string token, int max, string path, string source) =>
        int.TryParse(token, out var index) && index >= 0 && index <= max
            ? index
            : throw new PatchException($"{source}: {path}: index '{token}' is out of range");
}

public sealed class PatchException(string message) : Exception(message);
