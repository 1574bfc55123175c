using Flipkart.ServiceDefaults;

namespace Flipkart.Catalog.Services;

public sealed class ProductNotFoundException(string id) : NotFoundException("Product not found", $"No product has id '{id}'.");
