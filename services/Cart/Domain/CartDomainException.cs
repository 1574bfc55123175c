using Flipkart.ServiceDefaults;

namespace Flipkart.Cart.Domain;

/// <summary>A cart change that breaks the cart's rules (quantity, number of lines): 400, the cart is unchanged.</summary>
public sealed class CartDomainException(string message) : InvalidRequestException("Invalid cart change", message);
