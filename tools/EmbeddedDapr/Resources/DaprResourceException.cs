namespace Flipkart.EmbeddedDapr.Resources;

/// <summary>A start-up failure daprd would exit on (bad YAML, duplicate names, unknown types, missing metadata…).</summary>
public sealed class DaprResourceException(string message, Exception? inner = null) : Exception(message, inner);
