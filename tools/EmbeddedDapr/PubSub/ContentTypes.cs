namespace Flipkart.EmbeddedDapr.PubSub;

/// <summary>Content-type classification with daprd's rules (media type compared case-insensitively, parameters ignored).</summary>
public static class ContentTypes
{
    public const string CloudEventsJson = "application/cloudevents+json";
    public const string Json = "application/json";
    public const string OctetStream = "application/octet-stream";
    public const string TextPlain = "text/plain";

    public static bool IsCloudEvent(string? contentType) => MediaType(contentType) == CloudEventsJson;

    /// <summary><c>application/json</c> and any <c>*+json</c> type count as JSON (the cloudevents type is handled before this).</summary>
    public static bool IsJson(string? contentType)
    {
        var media = MediaType(contentType);
        return media == Json || media.EndsWith("+json", StringComparison.Ordinal);
    }

    public static bool IsBinary(string? contentType)
    {
        var media = MediaType(contentType);
        return media == OctetStream || media == "application/protobuf" || media == "application/x-protobuf";
    }

    private static string MediaType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return "";
        }

        var semicolon = contentType.IndexOf(';');
        var media = semicolon >= 0 ? contentType[..semicolon] : contentType;
        return media.Trim().ToLowerInvariant();
    }
}
