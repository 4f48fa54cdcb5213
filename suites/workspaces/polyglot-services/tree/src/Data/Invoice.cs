namespace Acme.Billing.Data;

public enum InvoiceStatus { Draft, Issued, Paid, Void }

public class Invoice
{
    public int Id { get; set; }
    public string Number { get; set; } = "";
    public int CustomerId { get; set; }
    public string CustomerEmail { get; set; } = "";
    public DateTime IssuedAt { get; set; }
    public DateTime? DueAt { get; set; }
    public InvoiceStatus Status { get; set; } = InvoiceStatus.Draft;
    public string? VoidReason { get; set; }
    public List<InvoiceLine> Lines { get; set; } = [];

    public decimal Total => Lines.Sum(l => l.Amount);
}

public class InvoiceLine
{
    public int Id { get; set; }
    public int InvoiceId { get; set; }
    public string Description { get; set; } = "";
    public decimal Amount { get; set; }
}

public class Payment
{
    public int Id { get; set; }
    public int InvoiceId { get; set; }
    public decimal Amount { get; set; }
    public DateTime ReceivedAt { get; set; }
    public string Reference { get; set; } = "";
}
