namespace Flipkart.ComponentLint.Schemas;

public enum FieldType { String, Bool, Number, Duration }

public sealed record MetadataField(string Name, FieldType Type = FieldType.String, bool Required = false,
    IReadOnlyList<string>? AllowedValues = null, bool Sensitive = false, string? ReplacedBy = null);

/// <summary>What the lint knows about one component type: versions, metadata fields, and rules beyond the field list.</summary>
public sealed record ComponentSchema(string Type, IReadOnlyList<string> Versions, IReadOnlyList<MetadataField> Fields)
{
    public MetadataField? Field(string name) =>
        Fields.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
}
