"""``/v1/problems``: register, read, replace and delete problems."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Response

from ...capacity import check_problem_fits
from ...errors import InvalidProblem
from ...problem import Problem
from ..runtime import Runtime, get_runtime
from .auth import require_token
from .errors_doc import errors
from .schemas import ProblemImport, ProblemImportResult, ProblemInfo

__all__ = ["router"]

router = APIRouter(prefix="/v1/problems", tags=["problems"], dependencies=[Depends(require_token)])

ProblemId = Path(description="The problem's id (may contain '/').", max_length=200, examples=["Mbpp/2"])


@router.get("", response_model=ProblemImportResult, responses=errors(401, 503))
def list_problems(runtime: Runtime = Depends(get_runtime)) -> ProblemImportResult:
    """Every registered problem with its current version."""
    store = runtime.backend.problems
    infos = [ProblemInfo(id=pid, version=v) for pid in store.ids() if (v := store.version_of(pid)) is not None]
    return ProblemImportResult(problems=infos)


@router.post("", response_model=ProblemImportResult, responses=errors(401, 413, 422, 503))
def import_problems(body: ProblemImport, runtime: Runtime = Depends(get_runtime)) -> ProblemImportResult:
    """Bulk import: register every problem in the body (replacing problems with the same id)."""
    out: list[ProblemInfo] = []
    for problem in body.problems:  # all checked first: none is registered when one does not fit
        check_problem_fits(runtime.backend.settings, problem)
    for problem in body.problems:
        version, created = runtime.backend.problems.put(problem)
        out.append(ProblemInfo(id=problem.id, version=version, created=created))
    return ProblemImportResult(problems=out)


@router.put("/{problem_id:path}", response_model=ProblemInfo, responses=errors(401, 413, 422, 503))
def put_problem(
    problem: Problem, response: Response, problem_id: str = ProblemId, runtime: Runtime = Depends(get_runtime)
) -> ProblemInfo:
    """Register or replace a problem. A changed problem gets a new version (201 when the id is new)."""
    if problem.id != problem_id:
        raise InvalidProblem(f"body id {problem.id!r} differs from the path's {problem_id!r}")
    check_problem_fits(runtime.backend.settings, problem)
    version, created = runtime.backend.problems.put(problem)
    response.status_code = 201 if created else 200
    return ProblemInfo(id=problem.id, version=version, created=created)


@router.get("/{problem_id:path}", response_model=Problem, responses=errors(401, 404, 503))
def get_problem(problem_id: str = ProblemId, runtime: Runtime = Depends(get_runtime)) -> Problem:
    """The current version of a registered problem."""
    return runtime.backend.problems.get(problem_id)


@router.delete("/{problem_id:path}", status_code=204, responses=errors(401, 404, 503))
def delete_problem(problem_id: str = ProblemId, runtime: Runtime = Depends(get_runtime)) -> Response:
    """Unregister a problem (queued tasks still finish on the version they were planned for)."""
    runtime.backend.problems.get(problem_id)  # 404 when unknown
    runtime.backend.problems.delete(problem_id)
    return Response(status_code=204)
