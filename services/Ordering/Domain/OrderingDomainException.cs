using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Domain;

/// <summary>An order that breaks one of the aggregate's rules (no lines, a bad price, an illegal transition): 422.</summary>
public sealed class OrderingDomainException(string message) : RuleViolationException("Order rejected", message);
