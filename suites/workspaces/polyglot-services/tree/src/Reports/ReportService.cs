using Microsoft.EntityFrameworkCore;
using Acme.Billing.Data;

namespace Acme.Billing.Reports;

/// <summary>
/// Aggregates invoices into the monthly totals shown on /reports.
/// </summary>
public sealed class ReportService
{
    private readonly BillingDbContext _db;

    public ReportService(BillingDbContext db) => _db = db;

    /// <summary>All invoices issued in the month, with their lines, summed up.</summary>
    /// <param name="year">Calendar year.</param>
    /// <param name="month">1-12.</param>
    public async Task<MonthlyReport> BuildMonthlyAsync(int year, int month, CancellationToken ct)
    {
        var invoices = await _db.Invoices
            .Where(i => i.IssuedAt.Year == year && i.IssuedAt.Month == month)
            .ToListAsync(ct);
        foreach (var invoice in invoices)
        {
            invoice.Lines = await _db.InvoiceLines
                .Where(l => l.InvoiceId == invoice.Id)
                .ToListAsync(ct);
        }
        return MonthlyReport.From(invoices);
    }
}
