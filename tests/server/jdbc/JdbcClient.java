// PostgreSQL's JDBC driver (Debian's libpostgresql-jdbc-java) against a
// running `hindsight serve` on the demo database: what Java programs and
// tools built on JDBC send. `?` placeholders (the driver numbers them), its
// timestamps sent untyped in PostgreSQL's own form, named server-side
// statements once one is reused (prepareThreshold), a batch of writes in a
// transaction with every kind of value setter, a fetch size (a portal read
// page by page), errors with SQLSTATE and position, a batch outside a
// transaction as one transaction, and 'infinity'; a URL of several hosts
// whose first does not answer, for the primary.
// usage: java -cp postgresql.jar:DIR JdbcClient PORT
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

public class JdbcClient {
  static void check(boolean ok, String what) {
    if (!ok) throw new AssertionError(what);
  }

  static void expectEqual(Object expected, Object actual, String what) {
    check(Objects.equals(expected, actual), what + ": expected " + expected + ", got " + actual);
  }

  static List<String> rows(ResultSet r, int columns) throws SQLException {
    List<String> out = new ArrayList<>();
    while (r.next()) {
      StringBuilder row = new StringBuilder();
      for (int i = 1; i <= columns; i++) row.append(i > 1 ? "|" : "").append(r.getString(i));
      out.add(row.toString());
    }
    return out;
  }

  public static void main(String[] args) throws Exception {
    String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/hindsight?user=jdbc";
    try (Connection c = DriverManager.getConnection(url)) {
      check(c.getMetaData().getDatabaseMajorVersion() >= 14, "server version");

      // A read with a timestamp parameter, over the driver's threshold for
      // a named server-side statement (5 uses).
      try (PreparedStatement p = c.prepareStatement("Syria diplomatic_relations ? at ? as of ?")) {
        for (int i = 0; i < 7; i++) {
          p.setString(1, "Ukraine");
          p.setTimestamp(2, Timestamp.valueOf("2025-10-01 00:00:00"));
          p.setObject(3, LocalDate.of(2025, 1, 1));
          try (ResultSet r = p.executeQuery()) {
            check(r.next(), "a row");
            expectEqual("\"talks\"", r.getString("value"), "value as of 2025-01-01 (use " + i + ")");
            expectEqual(OffsetDateTime.of(2024, 12, 30, 0, 0, 0, 0, ZoneOffset.UTC),
                        r.getObject("from", OffsetDateTime.class), "from");
            expectEqual("infinity", r.getString("to"), "to (as then believed)");
            check(!r.next(), "one row");
          }
        }
      }

      // A pool's validation query and a probe of the session, typed as
      // PostgreSQL types them: read in binary once the statement is named.
      try (PreparedStatement p = c.prepareStatement(
               "SELECT 1 AS ok, current_database(), 2.5::float8 AS f, '2024-02-29'::date AS d, 7::int2 AS s, "
               + "-12345.678::numeric AS n, now() AS t")) {
        for (int i = 0; i < 7; i++) {
          try (ResultSet r = p.executeQuery()) {
            check(r.next(), "a row");
            expectEqual(Integer.class, r.getObject("ok").getClass(), "int4 (use " + i + ")");
            expectEqual(1, r.getInt("ok"), "ok");
            expectEqual("hindsight", r.getString("current_database"), "current_database()");
            expectEqual(2.5, r.getDouble("f"), "float8");
            expectEqual(LocalDate.of(2024, 2, 29), r.getObject("d", LocalDate.class), "date");
            expectEqual((short) 7, r.getShort("s"), "int2");
            expectEqual(new BigDecimal("-12345.678"), r.getBigDecimal("n"), "numeric");
            OffsetDateTime now = r.getObject("t", OffsetDateTime.class);
            check(Math.abs(now.toEpochSecond() - System.currentTimeMillis() / 1000) < 60, "now(): " + now);
            check(!r.next(), "one row");
          }
        }
      }
      check(c.isValid(5), "isValid");

      // A batch of writes in one transaction, a value of each kind.
      c.setAutoCommit(false);
      try (PreparedStatement p = c.prepareStatement("assert ? stores Java = ? from ?")) {
        for (int i = 0; i < 7; i++) {
          p.setString(1, "kind" + i);
          switch (i) {
            case 0: p.setInt(2, 42); break;
            case 1: p.setLong(2, 1L << 40); break;
            case 2: p.setDouble(2, 4.5); break;
            case 3: p.setBoolean(2, true); break;
            case 4: p.setBigDecimal(2, new BigDecimal("1.25")); break;
            case 5: p.setString(2, "Côte d'Ivoire"); break;
            default: p.setNull(2, Types.VARCHAR); break;
          }
          p.setObject(3, OffsetDateTime.of(2020, 1, 1, 2, 0, 0, 0, ZoneOffset.ofHours(2)));
          p.addBatch();
        }
        expectEqual(7, p.executeBatch().length, "batch");
      }
      c.commit();
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("* stores Java")) {
        expectEqual(List.of("kind0|stores|Java|42|2020-01-01 00:00:00+00|infinity",
                            "kind1|stores|Java|1099511627776|2020-01-01 00:00:00+00|infinity",
                            "kind2|stores|Java|4.5|2020-01-01 00:00:00+00|infinity",
                            "kind3|stores|Java|true|2020-01-01 00:00:00+00|infinity",
                            "kind4|stores|Java|1.25|2020-01-01 00:00:00+00|infinity",
                            "kind5|stores|Java|\"Côte d'Ivoire\"|2020-01-01 00:00:00+00|infinity",
                            "kind6|stores|Java|null|2020-01-01 00:00:00+00|infinity"),
                    rows(r, 6), "the batch's rows");
      }
      c.commit();

      // A fetch size in a transaction: the driver reads a portal page by page.
      List<String> whole;
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("history * * *")) {
        whole = rows(r, 10);
      }
      try (PreparedStatement p = c.prepareStatement("history * * *")) {
        p.setFetchSize(3);
        try (ResultSet r = p.executeQuery()) {
          expectEqual(whole, rows(r, 10), "history read 3 rows at a time");
        }
      }
      check(whole.size() > 10, "history rows");
      c.commit();

      // An error names its SQLSTATE and position; the transaction is then
      // failed until rollback, and nothing of it is applied.
      try (Statement s = c.createStatement()) {
        s.executeUpdate("assert Lost p q = 1 from 2020");
        try {
          s.executeQuery("Syria * * at 2025-13-01");
          throw new AssertionError("no error for a bad month");
        } catch (SQLException e) {
          expectEqual("22007", e.getSQLState(), "bad time literal");
          expectEqual(14, ((org.postgresql.util.PSQLException) e).getServerErrorMessage().getPosition(), "position");
        }
        try {
          s.executeQuery("count * * *");
          throw new AssertionError("no error in a failed transaction");
        } catch (SQLException e) {
          expectEqual("25P02", e.getSQLState(), "failed transaction");
        }
      }
      c.rollback();
      c.setAutoCommit(true);
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("count Lost * *")) {
        check(r.next(), "count");
        expectEqual(0L, r.getLong(1), "a rolled back write");
      }

      // A batch outside a transaction is sent with one Sync: its writes are
      // one transaction, all committed or, after an error, none.
      try (PreparedStatement p = c.prepareStatement("assert ? p q = 1 from ?")) {
        for (String from : new String[] {"2020", "2021", "2025-13-01", "2022"}) {
          p.setString(1, "Batched" + from);
          p.setString(2, from);
          p.addBatch();
        }
        try {
          p.executeBatch();
          throw new AssertionError("no error for a bad month in a batch");
        } catch (java.sql.BatchUpdateException e) {
          expectEqual("22007", e.getSQLState(), "the batch's error");
        }
        for (String from : new String[] {"2020", "2021"}) {
          p.setString(1, "Batched" + from);
          p.setString(2, from);
          p.addBatch();
        }
        expectEqual(2, p.executeBatch().length, "a batch that commits");
      }
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("* p q")) {
        expectEqual(List.of("Batched2020", "Batched2021"), rows(r, 1), "what the two batches left");
      }
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SHOW hindsight_transactions 1")) {
        check(r.next(), "the last transaction");
        expectEqual(2L, r.getLong("operations"), "the committed batch is one transaction");
      }

      // Unbounded ends: the driver's own infinity.
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("Syria diplomatic_relations Ukraine")) {
        Timestamp last = null;
        while (r.next()) last = r.getTimestamp("to");
        expectEqual(new Timestamp(org.postgresql.PGStatement.DATE_POSITIVE_INFINITY), last, "to of the last row");
      }
    }
    // Savepoints: the API's, and autosave=always, with which the driver
    // wraps each statement in one and rolls back to it after an error, so
    // that the transaction goes on.
    try (Connection c = DriverManager.getConnection(url + "&autosave=always")) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("assert Saved kept a = 1 from 2020");
        java.sql.Savepoint before = c.setSavepoint("before");
        s.execute("assert Saved dropped b = 1 from 2020");
        c.rollback(before);
        try {
          s.execute("Saved * * at 2025-13-01");
          throw new AssertionError("no error for a bad month");
        } catch (SQLException e) {
          expectEqual("22007", e.getSQLState(), "the bad month");
        }
        s.execute("assert Saved kept c = 1 from 2020");  // autosave: the transaction goes on
      }
      c.commit();
      c.setAutoCommit(true);
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("Saved kept *")) {
        expectEqual(List.of("Saved|kept|a", "Saved|kept|c"), rows(r, 3), "what the savepoints kept");
      }
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("count Saved dropped *")) {
        check(r.next(), "count");
        expectEqual(0L, r.getLong(1), "rolled back to a savepoint");
      }
    }
    // Several hosts, the first not answering: the driver takes the server
    // once it has asked whether it is the primary.
    String hosts = "jdbc:postgresql://127.0.0.1:1,127.0.0.1:" + args[0] + "/hindsight?user=jdbc&targetServerType=primary";
    try (Connection c = DriverManager.getConnection(hosts);
         Statement s = c.createStatement();
         ResultSet r = s.executeQuery("count Saved kept *")) {
      check(r.next(), "count through the primary");
      expectEqual(2L, r.getLong(1), "count through the primary");
    }
    System.out.println("JDBC: parameters, named statements, batch of writes, fetch size, errors, infinity, savepoints, "
                       + "the primary among hosts");
  }
}
