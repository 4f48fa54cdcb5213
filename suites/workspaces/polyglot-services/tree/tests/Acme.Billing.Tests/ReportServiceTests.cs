using Acme.Billing.Data;
using Acme.Billing.Reports;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace Acme.Billing.Tests;

public class ReportServiceTests
{
    private static BillingDbContext NewDb()
    {
        var options = new DbContextOptionsBuilder<BillingDbContext>()
            .UseInMemoryDatabase(Guid.NewGuid().ToString())
            .Options;
        var db = new BillingDbContext(options);
        db.Invoices.AddRange(
            new Invoice { Number = "2024-0001", IssuedAt = new DateTime(2024, 5, 3), Lines = [new() { Amount = 100m }, new() { Amount = 20m }] },
            new Invoice { Number = "2024-0002", IssuedAt = new DateTime(2024, 5, 28), Lines = [new() { Amount = 80m }] },
            new Invoice { Number = "2024-0003", IssuedAt = new DateTime(2024, 6, 1), Lines = [new() { Amount = 999m }] });
        db.SaveChanges();
        return db;
    }

    [Fact]
    public async Task SumsTheMonthsInvoices()
    {
        await using var db = NewDb();
        var service = new ReportService(db);

        var report = await service.BuildMonthlyAsync(2024, 5, CancellationToken.None);

        Assert.Equal(2, report.InvoiceCount);
        Assert.Equal(200m, report.Revenue);
        Assert.Equal(100m, report.AverageInvoice);
    }

    [Fact]
    public async Task EmptyMonthIsZero()
    {
        await using var db = NewDb();
        var report = await new ReportService(db).BuildMonthlyAsync(2023, 1, CancellationToken.None);
        Assert.Equal(0, report.InvoiceCount);
        Assert.Equal(0m, report.AverageInvoice);
    }
}
