namespace Flipkart.Inventory.Domain;

/// <summary>A stock or reservation change that breaks the domain's rules; callers validate first, so reaching it is a bug.</summary>
public sealed class InventoryDomainException(string message) : Exception(message);
