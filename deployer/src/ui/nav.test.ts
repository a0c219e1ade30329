import { expect } from "chai";
import { currentScreen, HELP, initialNav, moveCursor, navReducer } from "./nav.js";

describe("navReducer", () => {
  it("pushes screens and goes back one at a time, never past the root", () => {
    let s = initialNav("menu");
    s = navReducer(s, { type: "push", screen: "logs" });
    expect(currentScreen(s)).to.equal("logs");
    s = navReducer(s, { type: "back" });
    expect(currentScreen(s)).to.equal("menu");
    s = navReducer(s, { type: "back" });
    expect(s.stack).to.deep.equal(["menu"]);
  });

  it("back closes the help overlay before leaving the screen", () => {
    let s = navReducer(initialNav("menu"), { type: "push", screen: "status" });
    s = navReducer(s, { type: "toggle-help" });
    expect(s.help).to.equal(true);
    s = navReducer(s, { type: "back" });
    expect(s.help).to.equal(false);
    expect(currentScreen(s)).to.equal("status");
  });

  it("has help for every screen", () => {
    for (const lines of Object.values(HELP)) expect(lines.length).to.be.greaterThan(0);
  });
});

describe("moveCursor", () => {
  it("moves with arrows and j/k and stays inside the list", () => {
    expect(moveCursor(0, 3, "j", {})).to.equal(1);
    expect(moveCursor(2, 3, "", { downArrow: true })).to.equal(2);
    expect(moveCursor(1, 3, "k", {})).to.equal(0);
    expect(moveCursor(0, 3, "", { upArrow: true })).to.equal(0);
    expect(moveCursor(0, 3, "j", {}, false)).to.equal(0);
  });
});
