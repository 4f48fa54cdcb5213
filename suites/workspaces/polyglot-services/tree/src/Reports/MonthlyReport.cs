using Acme.Billing.Data;

namespace Acme.Billing.Reports;

public sealed record MonthlyReport(int InvoiceCount, decimal Revenue, decimal AverageInvoice)
{
    public static MonthlyReport From(IReadOnlyCollection<Invoice> invoices)
    {
        var revenue = invoices.Sum(i => i.Lines.Sum(l => l.Amount));
        return new MonthlyReport(invoices.Count, revenue, invoices.Count == 0 ? 0 : revenue / invoices.Count);
    }
}
