using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Services;

/// <summary>The product a buy-now names is not sold (unknown to inventory or catalog): 404.</summary>
public sealed class ProductNotFoundException(string productId) : NotFoundException("Product not found", $"No product '{productId}' is on sale.");
